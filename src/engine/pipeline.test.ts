import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KineoPipeline, GenerationError, type GenerationSnapshot } from './pipeline.js';
import { ModelDirError } from './model-dir.js';

// A random 0.2 M-parameter model with the real contract (16×64×64 at 8 fps), written by training/make_tiny_model.py.
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/tiny-model/', import.meta.url));
const GOLDEN = JSON.parse(readFileSync(fileURLToPath(new URL('../../test/fixtures/tiny-model-golden.json', import.meta.url)), 'utf8'));
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('the kineo pipeline on the tiny model', () => {
  let pipeline: KineoPipeline;
  beforeAll(async () => {
    pipeline = await KineoPipeline.load(FIXTURE, { threads: 1 });
  });
  afterAll(async () => {
    await pipeline.release();
  });

  it('matches the Python reference sampler (training/dit/flow.py) and VAE decode on the same noise', async () => {
    const n = GOLDEN.latents.length as number;
    const noise = Float32Array.from({ length: n }, (_, i) => Math.fround(1.5 * Math.sin(0.37 * i + 0.1)));
    const g = await pipeline.generate({ prompt: GOLDEN.prompt, seed: 0, steps: GOLDEN.steps, guidance: GOLDEN.guidance, shift: GOLDEN.shift, scheduler: 'euler', latents: noise });
    let maxErr = 0;
    for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(g.latents[i]! - GOLDEN.latents[i]));
    expect(maxErr).toBeLessThan(1e-4); // measured 1e-6
    const stride = GOLDEN.frames_stride as number;
    const sample = GOLDEN.frames_sample as number[];
    let worst = 0;
    sample.forEach((v, k) => (worst = Math.max(worst, Math.abs(g.data[k * stride]! - v))));
    expect(worst).toBeLessThanOrEqual(1);
    expect(new Set(sample).size).toBeGreaterThan(20); // the fixture draws something, not a flat grey
  });

  it('gives identical bytes for the same seed and different bytes for another', async () => {
    const req = { prompt: 'a cat bounces on the beach', steps: 3 };
    const a = await pipeline.generate({ ...req, seed: 7 });
    const b = await pipeline.generate({ ...req, seed: 7 });
    const c = await pipeline.generate({ ...req, seed: 8 });
    expect(a).toMatchObject({ frames: 16, height: 64, width: 64, fps: 8, seed: 7, steps: 3, guidance: 4, shift: 1, scheduler: 'euler' });
    expect(a.data).toHaveLength(16 * 64 * 64 * 3);
    expect(sha256(a.data)).toBe(sha256(b.data));
    expect(sha256(a.data)).not.toBe(sha256(c.data));
  });

  it('reports unknown words of the prompt and the negative prompt, and the negative prompt changes the clip', async () => {
    const plain = await pipeline.generate({ prompt: 'a glorp cat spins at night', seed: 1, steps: 2 });
    expect(plain.unknownWords).toEqual(['glorp']);
    const negative = await pipeline.generate({ prompt: 'a glorp cat spins at night', negativePrompt: 'a blurry zorp dog', seed: 1, steps: 2 });
    expect(negative.unknownWords).toEqual(['glorp', 'blurry zorp']);
    expect(sha256(negative.data)).not.toBe(sha256(plain.data));
    const unguided = await pipeline.generate({ prompt: 'a glorp cat spins at night', seed: 1, steps: 2, guidance: null });
    expect(unguided.guidance).toBeNull();
    expect(sha256(unguided.data)).not.toBe(sha256(plain.data));
  });

  it('encodes a Chinese or free-form prompt as its grammar caption, and the prompt as written when asked not to normalise', async () => {
    const grammar = await pipeline.generate({ prompt: 'A cat spins at night', seed: 1, steps: 2 });
    const chinese = await pipeline.generate({ prompt: '夜晚，一只小猫不停地旋转', seed: 1, steps: 2 });
    expect(chinese).toMatchObject({ caption: 'A cat spins at night', unknownWords: [], reading: { concepts: { object: 'cat', motion: 'spin', background: 'night' } } });
    expect(sha256(chinese.data)).toBe(sha256(grammar.data));
    const raw = await pipeline.generate({ prompt: '夜晚，一只小猫不停地旋转', seed: 1, steps: 2, normalise: false });
    expect(raw.caption).toBe('夜晚，一只小猫不停地旋转');
    expect(sha256(raw.data)).not.toBe(sha256(grammar.data));
  });

  it('emits complete, ordered snapshots with a preview at every step', async () => {
    const snaps: GenerationSnapshot[] = [];
    await pipeline.generate({ prompt: 'a dog moves left', seed: 3, steps: 4, onProgress: (s) => snaps.push(s) });
    expect(snaps.map((s) => `${s.phase}:${s.step}/${s.of}`)).toEqual(['encode:0/4', 'denoise:1/4', 'denoise:2/4', 'denoise:3/4', 'denoise:4/4', 'decode:4/4', 'done:4/4']);
    for (let i = 1; i < snaps.length; i++) expect(snaps[i]!.elapsedMs).toBeGreaterThanOrEqual(snaps[i - 1]!.elapsedMs);
    for (const s of snaps.filter((s) => s.phase === 'denoise')) {
      expect(s.preview).toMatchObject({ width: 64, height: 64 });
      expect(s.preview!.rgb).toHaveLength(64 * 64 * 3);
    }
    const heun: GenerationSnapshot[] = [];
    const before = pipeline.calls.transformer;
    await pipeline.generate({ prompt: 'a dog moves left', seed: 3, steps: 3, scheduler: 'heun', onProgress: (s) => heun.push(s) });
    expect(pipeline.calls.transformer - before).toBe(5);
    expect(heun.filter((s) => s.phase === 'denoise').map((s) => s.step)).toEqual([1, 2, 3]);
  });

  it('stops within one step when the signal aborts', async () => {
    const controller = new AbortController();
    let callsAtAbort = -1;
    const run = pipeline.generate({
      prompt: 'a cat spins', seed: 2, steps: 6, signal: controller.signal,
      onProgress: (s) => {
        if (s.phase === 'denoise' && s.step === 2) {
          callsAtAbort = pipeline.calls.transformer;
          controller.abort();
        }
      },
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationError);
    expect(err).toMatchObject({ code: 'aborted', name: 'AbortError' });
    expect(pipeline.calls.transformer - callsAtAbort).toBeLessThanOrEqual(1);
  });

  it('refuses bad requests before any compute, with a sentence', async () => {
    const before = { ...pipeline.calls };
    await expect(pipeline.generate({ prompt: 'a cat', seed: 1, steps: 0 })).rejects.toMatchObject({ code: 'invalid_request', message: /steps must be/ });
    await expect(pipeline.generate({ prompt: 'a cat', seed: -1 })).rejects.toThrow(/seed must be/);
    await expect(pipeline.generate({ prompt: 'a cat', seed: 1, shift: 0 })).rejects.toThrow(/shift must be/);
    expect(pipeline.calls).toEqual(before);
  });

  it('treats an empty prompt as the unconditional caption', async () => {
    const g = await pipeline.generate({ prompt: '  ', seed: 4, steps: 1 });
    expect(g.unknownWords).toEqual([]);
    expect(g.data).toHaveLength(16 * 64 * 64 * 3);
  });
});

/** The image golden's start picture (training/make_tiny_model.py golden_picture). */
function goldenPicture(width = 64, height = 64) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (7 * x + 13 * y + 50 * c) % 256;
  return { width, height, data };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

describe('pictures, long clips and extension on the tiny model', () => {
  let pipeline: KineoPipeline;
  beforeAll(async () => {
    pipeline = await KineoPipeline.load(FIXTURE, { threads: 1 });
  });
  afterAll(async () => {
    await pipeline.release();
  });

  it('encodes a start picture and samples with it held at timestep 0, as the Python reference does', async () => {
    expect(pipeline.capabilities).toMatchObject({ image: true, lastImage: true, extend: true });
    const first = await pipeline.encodeImage(goldenPicture());
    expect(maxAbsDiff(first, GOLDEN.image.first_latent)).toBeLessThan(1e-4);
    const n = GOLDEN.latents.length as number;
    const noise = Float32Array.from({ length: n }, (_, i) => Math.fround(1.5 * Math.sin(0.37 * i + 0.1)));
    const g = await pipeline.generate({ prompt: GOLDEN.prompt, seed: 0, steps: GOLDEN.steps, guidance: GOLDEN.guidance, shift: GOLDEN.shift, latents: noise, image: goldenPicture() });
    expect(maxAbsDiff(g.latents, GOLDEN.image.latents)).toBeLessThan(1e-4);
    const text = await pipeline.generate({ prompt: GOLDEN.prompt, seed: 0, steps: GOLDEN.steps, guidance: GOLDEN.guidance, shift: GOLDEN.shift, latents: noise });
    expect(maxAbsDiff(g.latents, text.latents)).toBeGreaterThan(0.01); // the picture changes the clip
  });

  it('holds a last picture at the last latent frame', async () => {
    const last = await pipeline.encodeImage(goldenPicture());
    const g = await pipeline.generate({ prompt: 'a cat moves left', seed: 5, steps: 2, lastImage: goldenPicture() });
    const shape = pipeline.latentShape;
    const plane = shape.height * shape.width;
    const lastFrame = new Float32Array(shape.channels * plane);
    for (let c = 0; c < shape.channels; c++) lastFrame.set(g.latents.subarray((c * shape.frames + shape.frames - 1) * plane, (c * shape.frames + shape.frames) * plane), c * plane);
    expect(maxAbsDiff(lastFrame, last)).toBe(0);
  });

  it('draws a long clip window by window with one progress count, and cancels between windows', async () => {
    const snaps: GenerationSnapshot[] = [];
    const g = await pipeline.generate({ prompt: 'a dog moves right', seed: 9, steps: 2, frames: 40, onProgress: (s) => snaps.push(s) });
    expect(g).toMatchObject({ frames: 40, height: 64, width: 64, windows: 4 });
    expect(g.data).toHaveLength(40 * 64 * 64 * 3);
    const denoise = snaps.filter((s) => s.phase === 'denoise');
    expect(denoise.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(snaps.map((s) => s.of))).toEqual(new Set([8]));
    // the first window of a long clip is the one-window clip of the same seed
    const short = await pipeline.generate({ prompt: 'a dog moves right', seed: 9, steps: 2 });
    expect(maxAbsDiff(g.latents.subarray(0, 1), short.latents.subarray(0, 1))).toBe(0);

    const controller = new AbortController();
    const before = pipeline.calls.transformer;
    const err = await pipeline.generate({
      prompt: 'a dog moves right', seed: 9, steps: 2, frames: 80, signal: controller.signal,
      onProgress: (s) => { if (s.step === 2) controller.abort(); },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'aborted' });
    expect(pipeline.calls.transformer - before).toBeLessThanOrEqual(3);
  });

  it('shows each window the frames it continues at the context noise level, and keeps those frames as drawn', async () => {
    const clean = await pipeline.generate({ prompt: 'a dog moves right', seed: 9, steps: 2, frames: 24 });
    const noisy = await pipeline.generate({ prompt: 'a dog moves right', seed: 9, steps: 2, frames: 24, contextNoise: 0.2 });
    expect(noisy.windows).toBe(2);
    // latents are (C, T', H', W'): window 0 (latent frames 0-3) has no context, so it is the same in both, and the
    // two frames window 1 continues are not overwritten by their noised copies
    const frameValues = (l: Float32Array, t: number) => Array.from({ length: 16 }, (_, c) => l.subarray((c * 6 + t) * 64, (c * 6 + t + 1) * 64)).flatMap((v) => [...v]);
    for (const t of [0, 1, 2, 3]) expect(maxAbsDiff(Float32Array.from(frameValues(noisy.latents, t)), Float32Array.from(frameValues(clean.latents, t)))).toBe(0);
    expect(maxAbsDiff(Float32Array.from(frameValues(noisy.latents, 5)), Float32Array.from(frameValues(clean.latents, 5)))).toBeGreaterThan(0);
    await expect(pipeline.generate({ prompt: 'a dog', seed: 1, contextNoise: 1.5 })).rejects.toMatchObject({ code: 'invalid_request', message: /contextNoise/ });
  });

  it('extends a clip: the result starts with it, byte for byte, and goes on for the asked frames', async () => {
    const clip = await pipeline.generate({ prompt: 'a ball bounces on the beach', seed: 3, steps: 2 });
    const encoderCalls = pipeline.calls.vaeEncoder;
    const longer = await pipeline.generate({ prompt: 'a ball bounces on the beach', seed: 4, steps: 2, frames: 16, extend: clip });
    expect(pipeline.calls.vaeEncoder - encoderCalls).toBe(1);
    expect(longer.frames).toBe(32);
    expect(sha256(longer.data.subarray(0, clip.data.length))).toBe(sha256(clip.data));
    expect(sha256(longer.data.subarray(clip.data.length))).not.toBe(sha256(clip.data));
  });

  it('draws 16:9 and 9:16 natively, on the latent grid the Python sampler uses, with pictures fitted to that size', async () => {
    expect(pipeline.capabilities.aspects).toEqual(['1:1', '16:9', '9:16']);
    expect(pipeline.sizeOf('16:9')).toEqual({ width: 112, height: 64 });
    expect(pipeline.sizeOf('9:16')).toEqual({ width: 64, height: 112 });
    const n = GOLDEN.aspect.latents.length as number;
    expect(GOLDEN.aspect.shape).toEqual([4, 4, 8, 14]);
    const noise = Float32Array.from({ length: n }, (_, i) => Math.fround(1.5 * Math.sin(0.37 * i + 0.1)));
    const wide = await pipeline.generate({ prompt: GOLDEN.prompt, seed: 0, steps: GOLDEN.steps, guidance: GOLDEN.guidance, shift: GOLDEN.shift, latents: noise, aspect: '16:9' });
    expect(maxAbsDiff(wide.latents, GOLDEN.aspect.latents)).toBeLessThan(1e-4);
    expect(wide).toMatchObject({ width: 112, height: 64, frames: 16 });
    const tall = await pipeline.generate({ prompt: 'a cat moves left', seed: 2, steps: 2, aspect: '9:16', image: goldenPicture(64, 112), frames: 24 });
    expect(tall).toMatchObject({ width: 64, height: 112, frames: 24, windows: 2 });
    expect(tall.data).toHaveLength(24 * 112 * 64 * 3);
    await expect(pipeline.generate({ prompt: 'a cat', seed: 1, aspect: '4:3' })).rejects.toMatchObject({ code: 'invalid_request', message: /draws 1:1, 16:9, 9:16, not 4:3/ });
    await expect(pipeline.generate({ prompt: 'a cat', seed: 1, aspect: '16:9', image: goldenPicture() })).rejects.toMatchObject({ code: 'invalid_request', message: /must be 112×64/ });
  });

  it('refuses what it cannot draw before any compute', async () => {
    const before = { ...pipeline.calls };
    await expect(pipeline.generate({ prompt: 'a cat', seed: 1, frames: 100_000 })).rejects.toMatchObject({ code: 'invalid_request', message: /frames must be/ });
    await expect(pipeline.generate({ prompt: 'a cat', seed: 1, image: goldenPicture(32, 32) })).rejects.toMatchObject({ code: 'invalid_request', message: /must be 64×64/ });
    await expect(pipeline.generate({ prompt: 'a cat', seed: 1, extend: { data: new Uint8Array(2 * 64 * 64 * 3), frames: 2, height: 64, width: 64 } })).rejects.toThrow(/at least 4 frames/);
    expect(pipeline.calls).toEqual(before);
  });

  it('says so when a text-only model is given a picture', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-text-only-'));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      delete manifest.conditioning;
      delete manifest.video.aspects;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
      const textOnly = await KineoPipeline.load(dir, { threads: 1 });
      try {
        expect(textOnly.capabilities).toMatchObject({ image: false, maxFrames: 16 });
        await expect(textOnly.generate({ prompt: 'a cat', seed: 1, image: goldenPicture() })).rejects.toMatchObject({ code: 'invalid_request', message: /takes no pictures/ });
        expect(textOnly.calls.transformer).toBe(0);
      } finally {
        await textOnly.release();
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('loading a model directory into a pipeline', () => {
  it('refuses a directory whose weights do not match their sha256', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-tampered-'));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      const path = join(dir, 'transformer.onnx');
      const bytes = readFileSync(path);
      bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x01;
      writeFileSync(path, bytes);
      const err = await KineoPipeline.load(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelDirError);
      expect((err as ModelDirError).code).toBe('model_hash_mismatch');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses a model.json that breaks the kineo-t2v/1 contract', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-invalid-'));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      manifest.latent.norm.std = [1];
      writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
      await expect(KineoPipeline.load(dir)).rejects.toMatchObject({ code: 'model_invalid', message: /latent\.norm needs 4/ });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

// The same tiny model with a 2x decoder in the VAE decoder's place (make_tiny_model.py --hd): video.decodeScale 2.
const FIXTURE_2X = fileURLToPath(new URL('../../test/fixtures/tiny-model-2x/', import.meta.url));

describe('a model whose decoder draws at twice its frame size', () => {
  let pipeline: KineoPipeline;
  beforeAll(async () => {
    pipeline = await KineoPipeline.load(FIXTURE_2X, { threads: 1 });
  });
  afterAll(async () => {
    await pipeline.release();
  });

  it('takes pictures at its frame size and makes clips at twice it, in every aspect', async () => {
    expect(pipeline.decodeScale).toBe(2);
    expect(pipeline.sizeOf('1:1')).toEqual({ width: 64, height: 64 });
    expect(pipeline.outputSizeOf('1:1')).toEqual({ width: 128, height: 128 });
    expect(pipeline.outputSizeOf('16:9')).toEqual({ width: 224, height: 128 });
    const g = await pipeline.generate({ prompt: 'a cat moves left', seed: 2, steps: 2, image: goldenPicture() });
    expect(g).toMatchObject({ frames: 16, width: 128, height: 128 });
    expect(g.data).toHaveLength(16 * 128 * 128 * 3);
    const tall = await pipeline.generate({ prompt: 'a cat moves left', seed: 2, steps: 2, aspect: '9:16' });
    expect(tall).toMatchObject({ width: 128, height: 224 });
    const still = await pipeline.roundTrip(goldenPicture());
    expect(still).toMatchObject({ frames: 1, width: 128, height: 128 });
    expect(still.data).toHaveLength(128 * 128 * 3);
  });

  it('extends a clip given at the size it draws, keeping those frames byte for byte', async () => {
    const clip = await pipeline.generate({ prompt: 'a ball bounces on the beach', seed: 3, steps: 2 });
    const g = await pipeline.generate({ prompt: 'a ball bounces on the beach', seed: 4, steps: 2, frames: 8, extend: clip });
    expect(g).toMatchObject({ frames: 24, width: 128, height: 128 });
    expect(sha256(g.data.subarray(0, clip.data.length))).toBe(sha256(clip.data));
  });

  it('extends a clip given at its frame size too (upscaled to join the new frames), and refuses other sizes', async () => {
    const small = { frames: 8, width: 64, height: 64, data: new Uint8Array(8 * 64 * 64 * 3).fill(120) };
    const g = await pipeline.generate({ prompt: 'a dog moves right', seed: 1, steps: 2, frames: 8, extend: small });
    expect(g).toMatchObject({ frames: 16, width: 128, height: 128 });
    expect(new Set(g.data.subarray(0, 8 * 128 * 128 * 3))).toEqual(new Set([120]));
    const odd = { frames: 8, width: 96, height: 96, data: new Uint8Array(8 * 96 * 96 * 3) };
    await expect(pipeline.generate({ prompt: 'a dog', seed: 1, steps: 2, frames: 8, extend: odd })).rejects.toMatchObject({ code: 'invalid_request', message: /64×64 or 128×128/ });
  });
});
