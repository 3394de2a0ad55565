/**
 * Latent-space helpers of the pipeline, all plain float32 arithmetic: the seeded starting noise, the map from the
 * model's normalised space back to the VAE's, the cheap per-step preview image, and frames → bytes.
 * Latents are one clip, C-order (C, T', H', W').
 */
import { createRng, hashSeed } from '../world/random.js';

export interface LatentShape {
  channels: number;
  frames: number;
  height: number;
  width: number;
}

export function latentSize(s: LatentShape): number {
  return s.channels * s.frames * s.height * s.width;
}

/** Standard normal noise fully determined by the seed (mulberry32 + Box–Muller from src/world/random.ts). */
export function seededNoise(n: number, seed: number): Float32Array {
  const rng = createRng(hashSeed(seed, 0x6e015e));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/** Model space → VAE space: latent[c] = z[c]·std[c] + mean[c]. */
export function denormalize(z: Float32Array, shape: LatentShape, mean: readonly number[], std: readonly number[]): Float32Array {
  const per = shape.frames * shape.height * shape.width;
  const out = new Float32Array(z.length);
  for (let c = 0; c < shape.channels; c++) {
    const m = mean[c]!;
    const s = std[c]!;
    for (let i = c * per; i < (c + 1) * per; i++) out[i] = z[i]! * s + m;
  }
  return out;
}

export interface PreviewImage {
  width: number;
  height: number;
  /** Packed RGB bytes, height × width × 3. */
  rgb: Uint8Array;
}

export interface PreviewMap {
  rgb_factors: readonly (readonly number[])[];
  rgb_bias: readonly number[];
}

/**
 * A rough RGB picture of latent frame 0 of `vaeLatents` (VAE space) through the model's linear preview map, each
 * latent pixel drawn as a block (nearest) so the image is `width` pixels across.
 */
export function previewFrame(vaeLatents: Float32Array, shape: LatentShape, map: PreviewMap, width = 64): PreviewImage {
  const { channels, height: lh, width: lw } = shape;
  const plane = shape.frames * lh * lw;
  const height = Math.max(1, Math.round((width * lh) / lw));
  const small = new Uint8Array(lh * lw * 3);
  for (let p = 0; p < lh * lw; p++) {
    for (let k = 0; k < 3; k++) {
      let v = map.rgb_bias[k]!;
      for (let c = 0; c < channels; c++) v += vaeLatents[c * plane + p]! * map.rgb_factors[c]![k]!;
      small[p * 3 + k] = toByte(v);
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(lh - 1, Math.floor((y * lh) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(lw - 1, Math.floor((x * lw) / width));
      rgb.set(small.subarray((sy * lw + sx) * 3, (sy * lw + sx) * 3 + 3), (y * width + x) * 3);
    }
  }
  return { width, height, rgb };
}

/** A value in [0, 1] → 0…255, rounded, clamped. */
export function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
}

/** Decoder output in [0, 1] → RGB bytes. */
export function framesToBytes(frames: Float32Array): Uint8Array {
  const out = new Uint8Array(frames.length);
  for (let i = 0; i < frames.length; i++) out[i] = toByte(frames[i]!);
  return out;
}
