/** Value noise and fractal sums of it, seeded, for background textures. */
import type { Rng } from './random.js';

export type Noise2 = (x: number, y: number) => number;

const LATTICE = 64;

/** Smooth value noise in [0,1], periodic every 64 units. */
export function valueNoise(rng: Rng): Noise2 {
  const lattice = new Float32Array(LATTICE * LATTICE);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next();
  return (x, y) => {
    const fx = Math.floor(x);
    const fy = Math.floor(y);
    const tx = x - fx;
    const ty = y - fy;
    const sx = tx * tx * (3 - 2 * tx);
    const sy = ty * ty * (3 - 2 * ty);
    const x0 = ((fx % LATTICE) + LATTICE) % LATTICE;
    const y0 = ((fy % LATTICE) + LATTICE) % LATTICE;
    const x1 = (x0 + 1) % LATTICE;
    const y1 = (y0 + 1) % LATTICE;
    const a = lattice[y0 * LATTICE + x0]!;
    const b = lattice[y0 * LATTICE + x1]!;
    const c = lattice[y1 * LATTICE + x0]!;
    const d = lattice[y1 * LATTICE + x1]!;
    return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
  };
}

/** Fractal Brownian motion: octaves of value noise, normalised to [0,1]. */
export function fbm(rng: Rng, octaves = 3): Noise2 {
  const layers = Array.from({ length: octaves }, () => valueNoise(rng));
  let norm = 0;
  for (let o = 0; o < octaves; o++) norm += 0.5 ** o;
  return (x, y) => {
    let sum = 0;
    let amp = 1;
    let freq = 1;
    for (const layer of layers) {
      sum += amp * layer(x * freq, y * freq);
      amp *= 0.5;
      freq *= 2;
    }
    return sum / norm;
  };
}
