import { describe, expect, it } from 'vitest';
import { renderLabels } from '../world/index.js';
import { blurClip } from './resample.js';
import { coverageBoxes, laplacianEnergy } from './sharpness.js';

const labels = { object: 'panda', object2: 'none', count: 1, motion: 'right', speed: 'normal', background: 'grass', effect: 'none', camera: 'none' } as const;

describe('sharpness', () => {
  it('is 0 on a flat picture and falls when a clip is blurred, most inside the object\'s box', () => {
    const flat = { data: new Uint8Array(2 * 8 * 8 * 3).fill(90), frames: 2, height: 8, width: 8 };
    expect(laplacianEnergy(flat)).toBe(0);
    const clip = renderLabels(labels as never, 11, { frames: 16, height: 64, width: 64 }, { coverage: true });
    const boxes = coverageBoxes(clip);
    expect(boxes.every((b) => b && b.x1 > b.x0 && b.y1 > b.y0)).toBe(true);
    const blurred = blurClip(clip, 1.5);
    const frameRatio = laplacianEnergy(blurred) / laplacianEnergy(clip);
    const objectRatio = laplacianEnergy(blurred, boxes) / laplacianEnergy(clip, boxes);
    expect(frameRatio).toBeLessThan(0.5);
    expect(objectRatio).toBeLessThan(0.5);
    expect(laplacianEnergy(clip, boxes)).toBeGreaterThan(0);
  });

  it('skips frames without a box and needs the world\'s coverage', () => {
    const clip = renderLabels(labels as never, 12, { frames: 4, height: 32, width: 32 });
    expect(() => coverageBoxes(clip)).toThrow(/coverage: true/);
    expect(Number.isNaN(laplacianEnergy(clip, [null, null, null, null]))).toBe(true);
  });
});
