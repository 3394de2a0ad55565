import { describe, expect, it } from 'vitest';
import { latentFrame, normalizeLatents, planWindows, setLatentFrame, sliceLatentFrames, stillFrames } from './conditioning.js';
import { denormalize } from './latents.js';

describe('planning the windows of a long clip', () => {
  it('draws one window for a clip of one window', () => {
    expect(planWindows(4, 4, 2)).toEqual([{ start: 0, given: 0 }]);
  });

  it('chains windows that each continue the last latent frames of the one before', () => {
    expect(planWindows(10, 4, 2)).toEqual([{ start: 0, given: 0 }, { start: 2, given: 2 }, { start: 4, given: 2 }, { start: 6, given: 2 }]);
  });

  it('makes the last window overlap more when the clip does not divide evenly, so it stays whole', () => {
    const plan = planWindows(9, 4, 2);
    expect(plan.at(-1)).toEqual({ start: 5, given: 3 });
    expect(plan.at(-1)!.start + 4).toBe(9);
  });

  it('continues a clip being extended from its own last frames', () => {
    expect(planWindows(8, 4, 2, 4)).toEqual([{ start: 2, given: 2 }, { start: 4, given: 2 }]);
    expect(planWindows(4, 4, 2, 1)).toEqual([{ start: 0, given: 1 }]);
  });

  it('covers every latent frame of any length, each window whole and continuing what is drawn', () => {
    for (let total = 4; total <= 30; total++) {
      for (const drawn of [0, 1, 3, 4]) {
        if (drawn >= total) continue;
        const plan = planWindows(total, 4, 2, drawn);
        let end = drawn;
        for (const w of plan) {
          expect(w.start + w.given).toBe(end);
          expect(w.start).toBeGreaterThanOrEqual(0);
          end = w.start + 4;
        }
        expect(end).toBe(total);
      }
    }
  });

  it('refuses an overlap that leaves nothing to draw', () => {
    expect(() => planWindows(8, 4, 4)).toThrow(/cannot overlap/);
  });
});

describe('latent frames of a clip', () => {
  const shape = { channels: 2, frames: 3, height: 2, width: 2 };
  const x = Float32Array.from({ length: 24 }, (_, i) => i);

  it('reads, writes and slices frames in (C, T, H, W) order', () => {
    expect([...latentFrame(x, shape, 1)]).toEqual([4, 5, 6, 7, 16, 17, 18, 19]);
    const y = Float32Array.from(x);
    setLatentFrame(y, shape, 2, new Float32Array(8).fill(-1));
    expect([...latentFrame(y, shape, 2)]).toEqual(Array(8).fill(-1));
    expect([...latentFrame(y, shape, 0)]).toEqual([...latentFrame(x, shape, 0)]);
    expect([...sliceLatentFrames(x, shape, 1, 2)]).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23]);
  });

  it('normalises as the inverse of denormalize', () => {
    const mean = [0.5, -1];
    const std = [2, 0.25];
    const back = normalizeLatents(denormalize(x, shape, mean, std), shape, mean, std);
    back.forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 5));
  });

  it('holds a picture still for the encoder and refuses a picture of the wrong size', () => {
    const image = { width: 2, height: 1, data: Uint8Array.from([0, 255, 51, 102, 153, 204]) };
    const frames = stillFrames(image, 3);
    expect(frames).toHaveLength(18);
    expect([...frames.subarray(12, 18)].map((v) => Math.round(v * 255))).toEqual([0, 255, 51, 102, 153, 204]);
    expect(() => stillFrames({ width: 3, height: 1, data: image.data }, 1)).toThrow(/needs 9/);
  });
});
