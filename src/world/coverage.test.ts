import { describe, expect, it } from 'vitest';
import { createRng } from './random.js';
import { sampleAnyLabels } from './splits.js';
import { buildScene } from './scene.js';
import { renderScene } from './render.js';

const size = { frames: 16, height: 64, width: 64 };

describe('sprite coverage', () => {
  it('marks exactly the pixels the sprites changed, and leaves the frames as they were', () => {
    let checked = 0;
    for (let seed = 1; checked < 12; seed++) {
      const rng = createRng(seed);
      const labels = sampleAnyLabels(rng);
      const scene = buildScene(labels, rng);
      const withCoverage = renderScene(scene, size, { coverage: true });
      const plain = renderScene(scene, size);
      const background = renderScene({ ...scene, actors: [] }, size);
      expect(Buffer.from(withCoverage.data).equals(Buffer.from(plain.data))).toBe(true);
      expect(plain.coverage).toBeUndefined();
      const coverage = withCoverage.coverage!;
      expect(coverage).toHaveLength(size.frames * size.height * size.width);
      let covered = 0;
      for (let p = 0; p < coverage.length; p++) {
        const changed = [0, 1, 2].some((k) => withCoverage.data[p * 3 + k] !== background.data[p * 3 + k]);
        // a pixel a sprite changed is covered; an uncovered pixel is the background's
        if (changed) expect(coverage[p], `seed ${seed} pixel ${p}`).toBeGreaterThan(0);
        if (coverage[p]! > 127) covered++;
      }
      const share = covered / coverage.length;
      expect(share, `${JSON.stringify(labels)}`).toBeGreaterThan(0.005);
      expect(share).toBeLessThan(0.6);
      checked++;
    }
  });
});
