import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { DEFAULT_MODEL, listModels, resolveModel } from './models.js';
import { ModelDirError } from './model-dir.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const TINY = resolve(FIXTURES, 'tiny-model');

describe('installed models', () => {
  const saved = process.env.KINEO_MODELS_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.KINEO_MODELS_DIR;
    else process.env.KINEO_MODELS_DIR = saved;
  });

  it('lists text-to-video models of $KINEO_MODELS_DIR with their clip size and bytes (not the judge)', () => {
    process.env.KINEO_MODELS_DIR = FIXTURES;
    const models = listModels();
    const tiny = models.find((m) => m.name === 'kineo-tiny');
    expect(tiny).toMatchObject({ version: 'test', dir: TINY, frames: 16, fps: 8, width: 64, height: 64, precision: 'fp16-weights', license: 'Apache-2.0' });
    expect(tiny!.params).toBeGreaterThan(100_000);
    expect(tiny!.bytes).toBeGreaterThan(500_000);
    expect(models.some((m) => m.name === 'kineo-judge')).toBe(false);
  });

  it('resolves a model by name, by directory name or by path, and names the installed ones when it cannot', () => {
    process.env.KINEO_MODELS_DIR = FIXTURES;
    expect(resolveModel('kineo-tiny')).toBe(TINY);
    expect(resolveModel('tiny-model')).toBe(TINY);
    expect(resolveModel(TINY)).toBe(TINY);
    expect(DEFAULT_MODEL).toBe('kineo-mini');
    let err: unknown;
    try {
      resolveModel('kineo-huge');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelDirError);
    expect((err as ModelDirError).code).toBe('model_missing');
    expect((err as Error).message).toMatch(/no model named "kineo-huge".*installed: .*kineo-tiny/);
    expect(() => resolveModel('./no/such/dir')).toThrow(/does not exist/);
  });
});
