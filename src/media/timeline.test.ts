import { describe, expect, it } from 'vitest';
import { composeFilm, planFilm } from './timeline.js';

const size = { width: 1, height: 1 };

describe('film timeline', () => {
  it('makes the film Σ frames − Σ overlaps long, with a dip to black costing no frames', () => {
    const plan = planFilm([
      { frames: 16, transition: 'fade_black' }, // title
      { frames: 16, transition: 'crossfade' },
      { frames: 12, transition: 'wipe_left' },
      { frames: 8, transition: 'cut' },
    ], 4, { fadeInFirst: true });
    expect(plan.totalFrames).toBe(16 + 16 + 12 + 8 - 4 - 4);
    expect(plan.segments.map((s) => s.start)).toEqual([0, 16, 28, 36]);
    expect(plan.segments[1]).toMatchObject({ fadeIn: 4, overlapOut: 4 });
  });

  it('refuses a segment too short for the transitions on both of its ends', () => {
    expect(() => planFilm([{ frames: 8, transition: 'crossfade' }, { frames: 6, transition: 'crossfade' }, { frames: 8, transition: 'cut' }], 4)).toThrow(/too few/);
  });

  it('composes every frame in order: shot A, the blended overlap, shot B, the fade out', () => {
    const plan = planFilm([{ frames: 4, transition: 'crossfade' }, { frames: 4, transition: 'fade_black' }], 2);
    const values = [[40, 40, 40, 40], [200, 200, 200, 200]];
    const frames = [...composeFilm(plan, (s, i) => new Uint8Array([values[s]![i]!, 0, 0]), size)].map((f) => f[0]);
    expect(frames.length).toBe(plan.totalFrames);
    // A A | A→B at 1/3, 2/3 | B fading out over 2 frames (the last black)
    expect(frames).toEqual([40, 40, 93, 147, 100, 0]);
  });
});
