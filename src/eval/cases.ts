/** What to evaluate on: captions drawn from a split, or any JSONL file of {caption, labels}. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createRng, hashSeed } from '../world/random.js';
import { sampleLabels, type Split } from '../world/splits.js';
import { captionFor } from '../world/captions.js';
import { completeLabels } from '../world/parse.js';
import { BACKGROUNDS, CAMERAS, EFFECTS, MOTIONS, OBJECTS, SPEEDS, type ClipLabels } from '../world/vocabulary.js';

export interface EvalCase {
  caption: string;
  labels: ClipLabels;
  seed: number;
}

export function casesFromSplit(split: Split, n: number, seed: number): EvalCase[] {
  return Array.from({ length: n }, (_, i) => {
    const caseSeed = hashSeed(seed, i, 0xe1a1);
    const rng = createRng(caseSeed);
    const labels = sampleLabels(rng, split);
    return { caption: captionFor(labels, rng), labels, seed: caseSeed };
  });
}

const oneOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]]);
const labelsSchema = z.object({
  object: oneOf(OBJECTS),
  object2: oneOf(['none', ...OBJECTS]).optional(),
  motion: oneOf(MOTIONS).optional(),
  speed: oneOf(SPEEDS).optional(),
  background: oneOf(BACKGROUNDS),
  count: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  effect: oneOf(EFFECTS).optional(),
  camera: oneOf(CAMERAS).optional(),
});
const lineSchema = z.object({ caption: z.string().min(1), labels: labelsSchema, seed: z.number().int().optional() });

/** Reads {caption, labels} lines; labels a line leaves out take the world's defaults (still, no effect, …). */
export function casesFromFile(path: string, n: number | undefined, seed: number): EvalCase[] {
  const lines = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const cases = lines.map((line, i) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`${path}:${i + 1}: not valid JSON`);
    }
    const parsed = lineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${path}:${i + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    const { caption, labels, seed: lineSeed } = parsed.data;
    return { caption, labels: completeLabels(labels, labels.background), seed: lineSeed ?? hashSeed(seed, i, 0xf11e) };
  });
  return n === undefined ? cases : cases.slice(0, n);
}
