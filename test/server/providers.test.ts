/** The providers behind the workers: the engine (loaded once, reused, cancellable) and the oracle. */
import { describe, expect, it, vi } from 'vitest';
import { KineoPipeline } from '../../src/engine/pipeline.js';
import { BuiltinProvider } from '../../src/core/providers/builtin.js';
import { OracleProvider } from '../../src/core/providers/oracle.js';
import { ProviderError, type ProviderProgress } from '../../src/core/providers/provider.js';
import { TINY_MODEL } from './helpers.js';

const request = { taskId: 'video_test', prompt: 'a cat bounces on the beach', seed: 3, outputSize: 128 };

describe('providers', () => {
  it('the builtin provider loads its pipeline once and reuses it for every generation', async () => {
    const load = vi.spyOn(KineoPipeline, 'load');
    const provider = new BuiltinProvider(TINY_MODEL, 1);
    expect(provider.shape()).toMatchObject({ model: 'kineo-tiny', frames: 16, fps: 8, width: 64, height: 64 });
    const progress: ProviderProgress[] = [];
    const a = await provider.generate({ ...request, steps: 2 }, { signal: new AbortController().signal, onProgress: (p) => progress.push(p) });
    const b = await provider.generate({ ...request, steps: 2 }, { signal: new AbortController().signal, onProgress: () => {} });
    expect(load).toHaveBeenCalledTimes(1);
    expect(a.video.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(a.poster.readUInt32BE(0)).toBe(0x89504e47);
    expect(a.meta).toMatchObject({ model: 'kineo-tiny', seed: 3, frames: 16 });
    expect(b.meta.seed).toBe(3);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['encode', 'denoise', 'decode']));
    expect(progress.some((p) => p.preview && p.preview.rgb.length === p.preview.width * p.preview.height * 3)).toBe(true);
    await provider.close();
    load.mockRestore();
  });

  it('the builtin provider stops at the next step when its signal aborts', async () => {
    const provider = new BuiltinProvider(TINY_MODEL, 1);
    const controller = new AbortController();
    let steps = 0;
    const run = provider.generate({ ...request, steps: 1000 }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'denoise' && ++steps === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'aborted' });
    expect(steps).toBeLessThan(10);
    await provider.close();
  });

  it('the oracle renders the ground truth of a caption and refuses one it cannot draw', async () => {
    const oracle = new OracleProvider();
    const out = await oracle.generate(request, { signal: new AbortController().signal, onProgress: () => {} });
    expect(out.meta).toMatchObject({ model: 'oracle', frames: 16, unknownWords: [] });
    await expect(oracle.generate({ ...request, prompt: 'a lion walks right in the forest' }, { signal: new AbortController().signal, onProgress: () => {} }))
      .rejects.toBeInstanceOf(ProviderError);
  });
});
