/**
 * Frames given as conditions (LTX-Video / Wan 2.2 TI2V, DESIGN.md §2): a start or end picture, or the tail of a clip
 * being extended, is a clean latent frame put in place of a noisy one, with timestep 0. Plain arithmetic on one
 * clip's latents, C-order (C, T', H', W'), and the plan that chains denoising windows into a long clip.
 */
import type { LatentShape } from './latents.js';

/** One picture, packed RGB bytes (height × width × 3). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Latent frame t (C·H'·W' values, channel-major) of a clip's latents. */
export function latentFrame(x: Float32Array, shape: LatentShape, t: number): Float32Array {
  const plane = shape.height * shape.width;
  const out = new Float32Array(shape.channels * plane);
  for (let c = 0; c < shape.channels; c++) {
    const from = (c * shape.frames + t) * plane;
    out.set(x.subarray(from, from + plane), c * plane);
  }
  return out;
}

/** Writes one latent frame (C·H'·W' values) at position t of a clip's latents, in place. */
export function setLatentFrame(x: Float32Array, shape: LatentShape, t: number, frame: Float32Array): void {
  const plane = shape.height * shape.width;
  for (let c = 0; c < shape.channels; c++) x.set(frame.subarray(c * plane, (c + 1) * plane), (c * shape.frames + t) * plane);
}

/** Frames [from, from + count) of a clip's latents as a clip of their own. */
export function sliceLatentFrames(x: Float32Array, shape: LatentShape, from: number, count: number): Float32Array {
  const plane = shape.height * shape.width;
  const out = new Float32Array(shape.channels * count * plane);
  for (let c = 0; c < shape.channels; c++) {
    const src = (c * shape.frames + from) * plane;
    out.set(x.subarray(src, src + count * plane), c * count * plane);
  }
  return out;
}

/** Model space ← VAE space: z[c] = (latent[c] − mean[c]) / std[c] (the inverse of `denormalize`). */
export function normalizeLatents(vae: Float32Array, shape: LatentShape, mean: readonly number[], std: readonly number[]): Float32Array {
  const per = shape.frames * shape.height * shape.width;
  const out = new Float32Array(vae.length);
  for (let c = 0; c < shape.channels; c++) {
    const m = mean[c]!;
    const s = std[c]!;
    for (let i = c * per; i < (c + 1) * per; i++) out[i] = (vae[i]! - m) / s;
  }
  return out;
}

/** A picture held still for `frames` frames, as the VAE encoder's input (frames, H, W, 3) in [0, 1]. */
export function stillFrames(image: RgbImage, frames: number): Float32Array {
  const n = image.width * image.height * 3;
  if (image.data.length !== n) throw new Error(`the picture has ${image.data.length} bytes, ${image.width}×${image.height} RGB needs ${n}`);
  const one = new Float32Array(n);
  for (let i = 0; i < n; i++) one[i] = image.data[i]! / 255;
  const out = new Float32Array(n * frames);
  for (let f = 0; f < frames; f++) out.set(one, f * n);
  return out;
}

/** Bytes of a clip's frames → the VAE encoder's input in [0, 1]. */
export function bytesToFrames(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! / 255;
  return out;
}

/** One denoising window of a long clip: it draws latent frames [start, start + window) of the whole clip; the first
 * `given` of them are already drawn (by the windows before, or the clip being extended) and are its conditions. */
export interface Window {
  start: number;
  given: number;
}

/**
 * Windows that cover `total` latent frames, each `window` long, each after the first overlapping what is drawn by at
 * least `overlap` frames (the last window overlaps more when the clip does not divide evenly, so every window is
 * whole). `drawn` latent frames may exist before the first window (a clip being extended); then every window is a
 * continuation.
 */
export function planWindows(total: number, window: number, overlap: number, drawn = 0): Window[] {
  if (!(window >= 1 && overlap >= 1 && overlap < window)) throw new Error(`a window of ${window} latent frames cannot overlap by ${overlap}`);
  if (drawn > 0 && total - drawn < 1) throw new Error('nothing to draw after the given frames');
  const plan: Window[] = [];
  let end = drawn;
  if (drawn === 0) {
    plan.push({ start: 0, given: 0 });
    end = Math.min(window, total);
  }
  while (end < total) {
    const start = Math.max(0, Math.min(end - overlap, total - window));
    plan.push({ start, given: end - start });
    end = start + window;
  }
  return plan;
}
