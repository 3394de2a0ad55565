/** Clip-level measures beside the judge's labels: temporal consistency and flicker. */
import type { Clip } from '../world/render.js';

/** Mean cosine similarity of consecutive frames' judge features (1 = the content holds together over time). */
export function temporalConsistency(frameFeatures: Float32Array[]): number {
  if (frameFeatures.length < 2) return 1;
  let sum = 0;
  for (let t = 1; t < frameFeatures.length; t++) sum += cosine(frameFeatures[t - 1]!, frameFeatures[t]!);
  return sum / (frameFeatures.length - 1);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : na === nb ? 1 : 0;
}

/** Mean absolute change between consecutive frames, in [0,1] of full scale (lower = steadier). */
export function flicker(clip: Clip): number {
  const frameBytes = clip.height * clip.width * 3;
  if (clip.frames < 2) return 0;
  let sum = 0;
  for (let f = 1; f < clip.frames; f++) {
    const a = (f - 1) * frameBytes;
    const b = f * frameBytes;
    for (let i = 0; i < frameBytes; i++) sum += Math.abs(clip.data[b + i]! - clip.data[a + i]!);
  }
  return sum / (frameBytes * (clip.frames - 1) * 255);
}
