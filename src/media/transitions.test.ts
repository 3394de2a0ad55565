import { describe, expect, it } from 'vitest';
import { crossfade, fadeInLevel, fadeOutLevel, fadeToBlack, overlapWeight, sourceFrameIndex, transitionFrame, wipe } from './transitions.js';

/** A w×h frame of one colour. */
const solid = (w: number, h: number, rgb: [number, number, number]) => {
  const f = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) f.set(rgb, i * 3);
  return f;
};
const pixel = (f: Uint8Array, w: number, x: number, y: number) => [...f.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];

describe('transitions', () => {
  it('crossfades to the exact midpoint at t = 0.5 and to the ends at 0 and 1', () => {
    const a = solid(2, 2, [0, 100, 255]);
    const b = solid(2, 2, [200, 100, 55]);
    expect(pixel(crossfade(a, b, 0.5), 2, 1, 1)).toEqual([100, 100, 155]);
    expect([...crossfade(a, b, 0)]).toEqual([...a]);
    expect([...crossfade(a, b, 1)]).toEqual([...b]);
    // t is clamped
    expect([...crossfade(a, b, 3)]).toEqual([...b]);
  });

  it('fades a frame to black: full level keeps it, zero is black, half halves it', () => {
    const a = solid(3, 1, [200, 101, 255]);
    expect([...fadeToBlack(a, 1)]).toEqual([...a]);
    expect([...fadeToBlack(a, 0)]).toEqual(new Array(9).fill(0));
    expect(pixel(fadeToBlack(a, 0.5), 3, 2, 0)).toEqual([100, 51, 128]);
  });

  it('dips to black over n frames: the last outgoing and the first incoming frame are black', () => {
    expect([0, 1, 2, 3].map((k) => fadeOutLevel(k, 4))).toEqual([0.75, 0.5, 0.25, 0]);
    expect([0, 1, 2, 3].map((k) => fadeInLevel(k, 4))).toEqual([0, 0.25, 0.5, 0.75]);
  });

  it('wipes left: the new shot comes in from the right edge, column by column', () => {
    const size = { width: 4, height: 2 };
    const a = solid(4, 2, [10, 10, 10]);
    const b = solid(4, 2, [250, 0, 0]);
    const half = wipe(a, b, 0.5, size, 'wipe_left');
    for (const y of [0, 1]) {
      expect([0, 1, 2, 3].map((x) => pixel(half, 4, x, y)[0])).toEqual([10, 10, 250, 250]);
    }
    const quarter = wipe(a, b, 0.25, size, 'wipe_right');
    expect([0, 1, 2, 3].map((x) => pixel(quarter, 4, x, 0)[0])).toEqual([250, 10, 10, 10]);
    expect([...wipe(a, b, 0, size, 'wipe_left')]).toEqual([...a]);
    expect([...wipe(a, b, 1, size, 'wipe_left')]).toEqual([...b]);
  });

  it('weights the frames of an overlap strictly between the two shots', () => {
    expect([0, 1, 2].map((k) => overlapWeight(k, 3))).toEqual([0.25, 0.5, 0.75]);
    const a = solid(1, 1, [0, 0, 0]);
    const b = solid(1, 1, [200, 200, 200]);
    expect([...transitionFrame('crossfade', a, b, 1, 3, { width: 1, height: 1 })]).toEqual([100, 100, 100]);
  });

  it('maps a long shot onto a short clip by looping, ping-ponging or holding, and trims a short one', () => {
    const run = (fill: 'loop' | 'pingpong' | 'hold') => Array.from({ length: 10 }, (_, i) => sourceFrameIndex(i, 4, fill));
    expect(run('loop')).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
    expect(run('pingpong')).toEqual([0, 1, 2, 3, 2, 1, 0, 1, 2, 3]);
    expect(run('hold')).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 3, 3]);
    expect(sourceFrameIndex(0, 1, 'pingpong')).toBe(0);
  });
});
