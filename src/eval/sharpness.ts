/**
 * Sharpness: the high-frequency energy of a clip (mean squared 4-neighbour Laplacian of its luma), over whole
 * frames or inside the objects' boxes. Compared with the oracle's clips of the same captions, a ratio near 1 says
 * the generator draws edges as crisp as the world does; a smeared blob scores far below.
 */
import type { Clip } from '../world/render.js';

/** Per frame, the bounding box of the pixels a sprite covers (from the world's coverage), or null for none. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function coverageBoxes(clip: Clip): (Box | null)[] {
  const { frames, height, width, coverage } = clip;
  if (!coverage) throw new Error('coverageBoxes needs a clip rendered with { coverage: true }');
  const boxes: (Box | null)[] = [];
  for (let f = 0; f < frames; f++) {
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    const base = f * height * width;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (coverage[base + y * width + x]! < 128) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    boxes.push(x1 < 0 ? null : { x0, y0, x1, y1 });
  }
  return boxes;
}

/** Mean squared Laplacian of the luma (0–255 scale) over the interior pixels of each frame, or of each frame's box
 * (`boxes[f]`, inclusive; a frame whose box is null is skipped). Returns NaN when no pixel was measured. */
export function laplacianEnergy(clip: Clip, boxes?: (Box | null)[]): number {
  const { frames, height, width, data } = clip;
  const luma = new Float32Array(height * width);
  let sum = 0;
  let count = 0;
  for (let f = 0; f < frames; f++) {
    const box = boxes ? boxes[f] : { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
    if (!box) continue;
    const base = f * height * width * 3;
    for (let i = 0; i < height * width; i++) {
      luma[i] = 0.299 * data[base + 3 * i]! + 0.587 * data[base + 3 * i + 1]! + 0.114 * data[base + 3 * i + 2]!;
    }
    for (let y = Math.max(box.y0, 1); y <= Math.min(box.y1, height - 2); y++) {
      for (let x = Math.max(box.x0, 1); x <= Math.min(box.x1, width - 2); x++) {
        const i = y * width + x;
        const lap = luma[i - 1]! + luma[i + 1]! + luma[i - width]! + luma[i + width]! - 4 * luma[i]!;
        sum += lap * lap;
        count++;
      }
    }
  }
  return count ? sum / count : NaN;
}
