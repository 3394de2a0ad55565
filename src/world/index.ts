/** The world's public face: a seed becomes a captioned clip; a caption becomes its ground-truth clip. */
import { createRng, hashSeed } from './random.js';
import { sampleLabels, type Split } from './splits.js';
import { captionFor } from './captions.js';
import { completeLabels } from './parse.js';
import { normalisePrompt } from './normalise.js';
import { buildScene } from './scene.js';
import { renderScene, type Clip, type ClipSize, type RenderOptions } from './render.js';
import { BACKGROUNDS, type ClipLabels } from './vocabulary.js';

export interface WorldClip {
  caption: string;
  labels: ClipLabels;
  seed: number;
  clip: Clip;
}

/** The seed of clip `index` in a dataset made from `baseSeed`. */
export function clipSeed(baseSeed: number, index: number): number {
  return hashSeed(baseSeed, index);
}

/** Draws labels and a caption from the split, then renders them. Same seed → identical bytes. */
export function sampleClip(split: Split, seed: number, size: ClipSize, options: RenderOptions = {}): WorldClip {
  const rng = createRng(seed);
  const labels = sampleLabels(rng, split);
  const caption = captionFor(labels, rng);
  const clip = renderScene(buildScene(labels, rng), size, options);
  return { caption, labels, seed, clip };
}

/** Renders the ground truth of given labels (the oracle); `{ coverage: true }` adds where the sprites are. */
export function renderLabels(labels: ClipLabels, seed: number, size: ClipSize, options: RenderOptions = {}): Clip {
  return renderScene(buildScene(labels, createRng(hashSeed(seed, 0x0a11ce))), size, options);
}

/** Reads a caption (or any prompt, through the normaliser) and renders its ground truth; the phrases it could not
 * use are returned, never silently dropped. */
export function renderCaption(caption: string, seed: number, size: ClipSize): { labels: ClipLabels; unknownWords: string[]; clip: Clip } {
  const reading = normalisePrompt(caption);
  const fallback = BACKGROUNDS[hashSeed(seed, 7) % BACKGROUNDS.length]!;
  const labels = completeLabels(reading.concepts, fallback);
  return { labels, unknownWords: reading.unused, clip: renderLabels(labels, seed, size) };
}

export type { Clip, ClipSize } from './render.js';
export type { ClipLabels } from './vocabulary.js';
export type { Split } from './splits.js';
