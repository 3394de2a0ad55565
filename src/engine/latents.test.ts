import { describe, expect, it } from 'vitest';
import { denormalize, framesToBytes, previewFrame, seededNoise } from './latents.js';

describe('latent helpers', () => {
  it('draws standard normal noise that the seed alone determines', () => {
    const a = seededNoise(20_000, 11);
    expect(seededNoise(20_000, 11)).toEqual(a);
    expect(seededNoise(20_000, 12)).not.toEqual(a);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });

  it('de-normalises per channel', () => {
    const z = Float32Array.of(1, 2, 1, 2); // 2 channels × 1 × 1 × 2
    expect(Array.from(denormalize(z, { channels: 2, frames: 1, height: 1, width: 2 }, [0, 10], [2, 0.5]))).toEqual([2, 4, 10.5, 11]);
  });

  it('draws latent frame 0 through the linear RGB map, scaled up nearest', () => {
    // 2 channels, 2 latent frames of 1×2: frame 0 holds (c0, c1) = (1, 0) left and (0, 1) right.
    const lat = Float32Array.of(1, 0, 9, 9, 0, 1, 9, 9);
    const map = { rgb_factors: [[1, 0, 0], [0, 0, 1]], rgb_bias: [0, 0.5, 0] };
    const img = previewFrame(lat, { channels: 2, frames: 2, height: 1, width: 2 }, map, 4);
    expect([img.width, img.height]).toEqual([4, 2]);
    const px = (x: number, y: number) => Array.from(img.rgb.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3));
    expect(px(0, 0)).toEqual([255, 128, 0]);
    expect(px(1, 1)).toEqual([255, 128, 0]);
    expect(px(3, 0)).toEqual([0, 128, 255]);
  });

  it('turns decoder output into clamped, rounded bytes', () => {
    expect(Array.from(framesToBytes(Float32Array.of(-0.2, 0, 0.5, 1, 1.7)))).toEqual([0, 0, 128, 255, 255]);
  });
});
