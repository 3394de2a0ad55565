import { describe, expect, it } from 'vitest';
import { createRng } from '../world/random.js';
import { clipFeature, frechetDistance, symmetricEigen } from './frechet.js';

function gaussianSamples(n: number, mean: number[], scale: number[], seed: number, rotate = false): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const z = mean.map((m, i) => m + scale[i]! * rng.normal());
    if (!rotate) return Float64Array.from(z);
    // a fixed 45° rotation of the first two axes: the distance does not depend on the basis
    const [a, b] = [z[0]!, z[1]!];
    return Float64Array.from([(a - b) / Math.SQRT2, (a + b) / Math.SQRT2, ...z.slice(2)]);
  });
}

describe('Fréchet distance', () => {
  it('diagonalises a symmetric matrix: A v = λ v for every pair', () => {
    const n = 5;
    const rng = createRng(3);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng.next() - 0.5;
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + k]!;
        expect(av).toBeCloseTo(values[k]! * vectors[i * n + k]!, 9);
      }
    }
  });

  it('is 0 for one set against itself and matches the closed form for diagonal Gaussians', () => {
    const a = gaussianSamples(4000, [0, 0, 0], [1, 2, 0.5], 1);
    expect(frechetDistance(a, a)).toBeCloseTo(0, 6);
    // N(μ1, diag σ1²) vs N(μ2, diag σ2²): |μ1 − μ2|² + Σ (σ1 − σ2)²  = (9 + 1) + (1 + 0 + 0.25) = 11.25
    const b = gaussianSamples(4000, [3, 1, 0], [2, 2, 1], 2);
    expect(frechetDistance(a, b)).toBeGreaterThan(11.25 * 0.9);
    expect(frechetDistance(a, b)).toBeLessThan(11.25 * 1.1);
    // the same populations in a rotated basis: the same distance
    const ar = gaussianSamples(4000, [0, 0, 0], [1, 2, 0.5], 1, true);
    const br = gaussianSamples(4000, [3, 1, 0], [2, 2, 1], 2, true);
    expect(frechetDistance(ar, br)).toBeCloseTo(frechetDistance(a, b), 6);
  });

  it('gives the same figure in sample space (fewer clips than dimensions) as in feature space', () => {
    const dim = 12;
    const a = gaussianSamples(8, Array(dim).fill(0), Array.from({ length: dim }, (_, i) => 1 + i / dim), 8);
    const b = gaussianSamples(9, Array(dim).fill(0.3), Array(dim).fill(1.2), 9);
    const viaSamples = frechetDistance(a, b, 'samples');
    expect(viaSamples).toBeGreaterThan(0);
    expect(frechetDistance(a, b, 'features')).toBeCloseTo(viaSamples, 5);
    expect(frechetDistance(b, a, 'samples')).toBeCloseTo(viaSamples, 5); // symmetric
    const many = gaussianSamples(40, Array(dim).fill(0), Array(dim).fill(1), 10);
    expect(frechetDistance(many, b, 'samples')).toBeCloseTo(frechetDistance(many, b, 'features'), 5);
  });

  it('grows with the gap between the sets and refuses what it cannot measure', () => {
    const base = gaussianSamples(500, [0, 0], [1, 1], 5);
    const near = gaussianSamples(500, [0.5, 0], [1, 1], 6);
    const far = gaussianSamples(500, [2, 0], [1, 1], 7);
    expect(frechetDistance(base, far)).toBeGreaterThan(frechetDistance(base, near));
    expect(() => frechetDistance(base.slice(0, 1), near)).toThrow(/at least 2 clips/);
    expect(() => frechetDistance(base, [new Float64Array(3), new Float64Array(3)])).toThrow(/dimensions differ/);
  });

  it('averages a clip\'s frame features', () => {
    expect(Array.from(clipFeature([Float32Array.from([1, 2]), Float32Array.from([3, 6])]))).toEqual([2, 4]);
  });
});
