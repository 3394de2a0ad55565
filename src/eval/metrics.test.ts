import { describe, expect, it } from 'vitest';
import { renderCaption } from '../world/index.js';
import { blurClip, resampleClip } from './resample.js';
import { flicker, temporalConsistency } from './metrics.js';
import type { Clip } from '../world/render.js';

const size = { frames: 16, height: 64, width: 64 };

function noiseClip(): Clip {
  const data = new Uint8Array(16 * 64 * 64 * 3);
  let s = 1;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { ...size, data };
}

describe('clip measures', () => {
  it('scores a still clip with zero flicker and random noise with a lot', () => {
    const still = renderCaption('a dog stays still on the grass', 1, size).clip;
    expect(flicker(still)).toBe(0);
    expect(flicker(noiseClip())).toBeGreaterThan(0.25);
  });

  it('rates identical frame features as fully consistent and opposite ones as not', () => {
    const a = Float32Array.from([1, 2, 3]);
    expect(temporalConsistency([a, a, a])).toBeCloseTo(1, 6);
    expect(temporalConsistency([a, Float32Array.from([-1, -2, -3])])).toBeCloseTo(-1, 6);
  });

  it('resamples any clip to the judge size and blurs away fine detail', () => {
    const big = renderCaption('a cat spins at night', 2, { frames: 8, height: 128, width: 128 }).clip;
    const small = resampleClip(big, 16, 64, 64);
    expect(small.data.length).toBe(16 * 64 * 64 * 3);
    const noisy = noiseClip();
    const blurred = blurClip(noisy, 1.5);
    expect(flicker(blurred)).toBeLessThan(flicker(noisy) / 2);
  });
});
