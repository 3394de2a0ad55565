import { describe, expect, it } from 'vitest';
import { bilinearUp, boxDown } from './frame-scale.js';

describe('integer rescaling of packed RGB clips', () => {
  it('averages f × f boxes going down', () => {
    // one 4×2 frame: left box (0, 10, 20, 30) → 15, right box (100, 100, 200, 200) → 150, same in every channel
    const px = [0, 10, 100, 100, 20, 30, 200, 200];
    const data = Uint8Array.from(px.flatMap((v) => [v, v, v]));
    expect([...boxDown(data, 1, 2, 4, 2)]).toEqual([15, 15, 15, 150, 150, 150]);
    expect(() => boxDown(data, 1, 2, 4, 3)).toThrow(RangeError);
  });

  it('interpolates going up, and going down again gives the clip back', () => {
    const frames = 2, h = 5, w = 7;
    const data = Uint8Array.from({ length: frames * h * w * 3 }, (_, i) => (i * 37) % 256);
    const up = bilinearUp(data, frames, h, w, 2);
    expect(up).toHaveLength(frames * h * 2 * w * 2 * 3);
    const back = boxDown(up, frames, h * 2, w * 2, 2);
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(back[i]! - data[i]!));
    expect(worst).toBeLessThanOrEqual(Math.ceil(0.25 * 255)); // bilinear blends neighbours; a flat clip stays flat:
    const flat = new Uint8Array(3 * 4 * 4).fill(77);
    expect(new Set(bilinearUp(flat, 1, 4, 4, 3))).toEqual(new Set([77]));
  });
});
