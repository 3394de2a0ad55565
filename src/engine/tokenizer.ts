/**
 * The word-level tokenizer of kineo-mini. Its vocabulary is every word the world's caption grammar can say,
 * shipped with the model as vocab.json; words outside it map to <unk> and are reported to the caller, never
 * silently dropped. training/text/tokenizer.py implements the same rule; a test holds the two together.
 */
import { readFileSync } from 'node:fs';
import { tokenizeCaption } from '../world/parse.js';
import { BACKGROUND_WORDS, CAMERA_WORDS, COUNT_WORDS, EFFECT_WORDS, MOTION_WORDS, OBJECT_WORDS, SPEED_WORDS } from '../world/lexicon.js';

export const VOCAB_FORMAT = 'kineo-vocab/1';
export const PAD = '<pad>';
export const UNK = '<unk>';

export interface Vocabulary {
  format: typeof VOCAB_FORMAT;
  /** Tokens in id order; ids 0 and 1 are <pad> and <unk>. */
  tokens: string[];
  maxTokens: number;
}

export interface Tokenized {
  ids: number[];
  /** 1 for real tokens, 0 for padding. */
  mask: number[];
  unknownWords: string[];
  /** Words cut off because the caption is longer than maxTokens. */
  truncated: string[];
}

/** Every word of the caption grammar, plus joining words captions and people commonly use. */
export function buildVocabulary(maxTokens = 32): Vocabulary {
  const words = new Set<string>(['and', 'while', 'as', 'then', 'with', 'of', 'is', 'are', 'an']);
  const phrases = [
    ...Object.values(OBJECT_WORDS).flat().flatMap((n) => [n.one, n.many]),
    ...Object.values(MOTION_WORDS).flat().flatMap((v) => [v.one, v.many]),
    ...Object.values(EFFECT_WORDS).flat().flatMap((v) => [v.one, v.many]),
    ...Object.values(SPEED_WORDS).flat(),
    ...Object.values(BACKGROUND_WORDS).flat(),
    ...Object.values(CAMERA_WORDS).flat(),
    ...Object.values(COUNT_WORDS).flat(),
  ];
  for (const phrase of phrases) for (const word of tokenizeCaption(phrase)) words.add(word);
  return { format: VOCAB_FORMAT, tokens: [PAD, UNK, ...[...words].sort()], maxTokens };
}

/** token → id per vocabulary, built once: tokenize() runs for every prompt. */
const indexes = new WeakMap<Vocabulary, Map<string, number>>();
function indexOf(vocab: Vocabulary): Map<string, number> {
  let index = indexes.get(vocab);
  if (!index) {
    index = new Map(vocab.tokens.map((t, i) => [t, i]));
    indexes.set(vocab, index);
  }
  return index;
}

export function tokenize(text: string, vocab: Vocabulary): Tokenized {
  const index = indexOf(vocab);
  const words = tokenizeCaption(text);
  const unknownWords = words.filter((w) => !index.has(w));
  const kept = words.slice(0, vocab.maxTokens);
  const ids = kept.map((w) => index.get(w) ?? 1);
  const mask = ids.map(() => 1);
  while (ids.length < vocab.maxTokens) {
    ids.push(0);
    mask.push(0);
  }
  return { ids, mask, unknownWords: [...new Set(unknownWords)], truncated: words.slice(vocab.maxTokens) };
}

/** Checks a parsed vocab.json (format, <pad>/<unk> first, maxTokens) and returns it as a Vocabulary. */
export function vocabularyFromJson(json: unknown, source = 'vocab.json'): Vocabulary {
  const v = json as Partial<Vocabulary> | null;
  if (!v || v.format !== VOCAB_FORMAT) throw new Error(`${source} is not a ${VOCAB_FORMAT} vocabulary`);
  if (!Array.isArray(v.tokens) || v.tokens[0] !== PAD || v.tokens[1] !== UNK || !v.tokens.every((t) => typeof t === 'string')) {
    throw new Error(`${source}: tokens must be a list of words starting with ${PAD}, ${UNK}`);
  }
  const maxTokens = v.maxTokens ?? 32;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`${source}: maxTokens must be a whole number ≥ 1`);
  return { format: VOCAB_FORMAT, tokens: v.tokens, maxTokens };
}

/** Reads a vocab.json file (e.g. the one in a model directory). */
export function loadVocabulary(path: string): Vocabulary {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the vocabulary ${path}: ${(err as Error).message}`);
  }
  return vocabularyFromJson(json, path);
}
