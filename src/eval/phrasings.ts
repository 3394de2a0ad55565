/**
 * The held-out phrasings (issue 24): prompts as people write them, English and Chinese, each pair stating the same
 * labels over a held-out object × motion × background combination. `kineo eval --phrasings heldout-en|heldout-zh`
 * scores clips of them; `heldout-grammar` scores the grammar's captions of the same labels, with the same seeds,
 * so the three runs compare pair by pair.
 */
import { z } from 'zod';
import data from './phrasings-heldout.json' with { type: 'json' };
import type { EvalCase } from './cases.js';
import { captionFor } from '../world/captions.js';
import { normalisePrompt, type Concepts } from '../world/normalise.js';
import { completeLabels } from '../world/parse.js';
import { createRng, hashSeed } from '../world/random.js';
import { BACKGROUNDS, CAMERAS, EFFECTS, MOTIONS, OBJECTS, SPEEDS } from '../world/vocabulary.js';

export const PHRASING_SETS = ['heldout-en', 'heldout-zh', 'heldout-grammar'] as const;
export type PhrasingSet = (typeof PHRASING_SETS)[number];

const oneOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]]);
const Labels = z.strictObject({
  object: oneOf(OBJECTS),
  object2: oneOf(OBJECTS).optional(),
  motion: oneOf(MOTIONS),
  background: oneOf(BACKGROUNDS),
  count: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  speed: oneOf(SPEEDS).optional(),
  effect: oneOf(EFFECTS).optional(),
  camera: oneOf(CAMERAS).optional(),
});
const Entry = z.strictObject({ id: z.string(), lang: z.enum(['en', 'zh']), prompt: z.string().min(1), labels: Labels });
export type PhrasingEntry = z.infer<typeof Entry>;

export function heldoutPhrasings(): PhrasingEntry[] {
  return z.array(Entry).parse(data.entries);
}

/** The cases of one set; a pair's English, Chinese and grammar cases share a seed. */
export function casesFromPhrasings(set: PhrasingSet, seed: number): EvalCase[] {
  const entries = heldoutPhrasings();
  const ids = [...new Set(entries.map((e) => e.id))];
  const lang = set === 'heldout-zh' ? 'zh' : 'en';
  return entries.filter((e) => e.lang === lang).map((e) => {
    const caseSeed = hashSeed(seed, ids.indexOf(e.id), 0x24);
    const labels = completeLabels(e.labels, e.labels.background);
    const caption = set === 'heldout-grammar' ? captionFor(labels, createRng(caseSeed)) : e.prompt;
    return { caption, labels, seed: caseSeed };
  });
}

/** Whether the concepts read from a prompt are its labels (an effect holds the object still: motion "stay"). */
export function conceptsMatch(concepts: Concepts, labels: PhrasingEntry['labels']): boolean {
  return Object.entries(labels).every(([head, value]) => {
    const read = (concepts as Record<string, unknown>)[head] ?? (head === 'motion' && concepts.effect ? 'stay' : undefined);
    return read === value;
  });
}

/** The share of entries whose reading matches their labels, and the ones that do not. */
export function readingAgreement(entries: PhrasingEntry[]): { share: number; misread: { id: string; prompt: string; concepts: Concepts }[] } {
  const misread = entries.flatMap((e) => {
    const { concepts } = normalisePrompt(e.prompt);
    return conceptsMatch(concepts, e.labels) ? [] : [{ id: e.id, prompt: e.prompt, concepts }];
  });
  return { share: entries.length ? 1 - misread.length / entries.length : 0, misread };
}
