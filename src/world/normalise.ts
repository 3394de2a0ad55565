/**
 * The normaliser: reads a prompt as people write it (free English, Chinese, or both) and rewrites it as a caption of
 * the world's grammar, the only language kineo-mini's text encoder was trained on (its vocabulary is the grammar's
 * ~358 English words). It runs before the tokenizer in the engine, so every door (native, Kling, OpenAI, CLI, studio)
 * draws from the same caption, and it says how it read the prompt: the concepts understood and the words it could
 * not use, phrase by phrase, before anyone pays.
 *
 * Why a normaliser rather than a retrained text encoder: it works on the shipped weights, needs no training run, and
 * every reading can be inspected and explained (models/kineo-mini/README.md).
 */
import { CAMERA_WORDS, BACKGROUND_WORDS, COUNT_WORDS, EFFECT_WORDS, MOTION_WORDS, OBJECT_WORDS, SPEED_WORDS } from './lexicon.js';
import { CHINESE, CHINESE_FILLER_CHARS, CHINESE_FILLER_WORDS, CHINESE_OTHER_WORDS, ENGLISH, type ConceptKind, type PhraseTable } from './prompt-lexicon.js';
import { phraseKey, promptTokens, type PromptToken } from './prompt-tokens.js';
import { parseCaption } from './parse.js';
import { isRelation, type Background, type Camera, type ClipLabels, type Count, type Effect, type Motion, type Speed } from './vocabulary.js';

/** What a phrase of the prompt means: a concept, nothing (a filler word), or a word known not to be one. */
type Meaning = { kind: ConceptKind; value: string } | { kind: 'filler' } | { kind: 'other' };

/** The concepts a prompt states; what it does not state is absent. */
export type Concepts = Partial<ClipLabels>;

export interface UnderstoodPhrase {
  /** The phrase as written. */
  phrase: string;
  kind: ConceptKind;
  value: string;
}

export interface PromptReading {
  /** What the text encoder is given: the prompt itself when it is already a grammar caption, else the grammar's
   * caption of the concepts understood. */
  caption: string;
  concepts: Concepts;
  understood: UnderstoodPhrase[];
  /** Phrases of the prompt the model cannot use, as written: unknown words, Chinese it did not understand, accented
   * words, emoji, a punctuation-only prompt, and concepts it cannot draw together (a second motion). */
  unused: string[];
  /** At least one concept was understood. */
  usable: boolean;
}

interface Table {
  phrases: Map<string, Meaning>;
  longest: number;
}
let table: Table | undefined;

function buildTable(): Table {
  const phrases = new Map<string, Meaning>();
  let longest = 1;
  const add = (text: string, meaning: Meaning) => {
    const key = phraseKey(text);
    if (!key) return;
    const existing = phrases.get(key);
    const same = existing && existing.kind === meaning.kind && ('value' in existing ? existing.value : '') === ('value' in meaning ? meaning.value : '');
    if (existing && !same) throw new Error(`prompt lexicon: "${text}" (${key}) means both ${JSON.stringify(existing)} and ${JSON.stringify(meaning)}`);
    phrases.set(key, meaning);
    longest = Math.max(longest, key.split(' ').length);
  };
  // the grammar's own phrasings first: a grammar caption always reads back to its labels
  for (const [object, nouns] of Object.entries(OBJECT_WORDS)) for (const n of nouns) for (const w of [n.one, n.many]) add(w, { kind: 'object', value: object });
  for (const [count, words] of Object.entries(COUNT_WORDS)) for (const w of words) add(w, { kind: 'count', value: count });
  for (const [motion, verbs] of Object.entries(MOTION_WORDS)) for (const v of verbs) for (const w of [v.one, v.many]) add(w, { kind: 'motion', value: motion });
  for (const [effect, verbs] of Object.entries(EFFECT_WORDS)) for (const v of verbs) for (const w of [v.one, v.many]) add(w, { kind: 'effect', value: effect });
  const lists = [['speed', SPEED_WORDS], ['background', BACKGROUND_WORDS], ['camera', CAMERA_WORDS]] as const;
  for (const [kind, words] of lists) for (const [value, ws] of Object.entries(words)) for (const w of ws) add(w, { kind, value });
  for (const lexicon of [ENGLISH, CHINESE] as PhraseTable[]) {
    for (const [kind, values] of Object.entries(lexicon) as [ConceptKind, Record<string, string[]>][]) {
      for (const [value, ws] of Object.entries(values)) for (const w of ws) add(w, { kind, value });
    }
  }
  for (const w of CHINESE_FILLER_WORDS) add(w, { kind: 'filler' });
  for (const w of CHINESE_OTHER_WORDS) add(w, { kind: 'other' });
  return { phrases, longest };
}

/** The phrase table, built on first use (it is checked: a phrasing may not mean two things). */
export function promptTable(): Table {
  table ??= buildTable();
  return table;
}

const NEGATIONS = new Set(['not', 'never', 'without', 'no', '不', '没']);

interface Match {
  meaning: Meaning;
  start: number;
  end: number;
  plural: boolean;
}

/** Greedy longest-phrase matching over the tokens between two boundaries. */
function matchTokens(tokens: PromptToken[]): { matches: Match[]; unused: { start: number; end: number }[] } {
  const { phrases, longest } = promptTable();
  let keyed = tokens.filter((t) => !t.filler);
  const matches: Match[] = [];
  const unused: { start: number; end: number }[] = [];
  const longestAt = (i: number): { meaning: Meaning; length: number } | undefined => {
    for (let len = Math.min(longest, keyed.length - i); len >= 1; len--) {
      const run = keyed.slice(i, i + len);
      if (run.some((t) => t.type === 'boundary' || t.type === 'emoji')) continue;
      const meaning = phrases.get(run.map((t) => t.key).join(' '));
      if (meaning) return { meaning, length: len };
    }
    return undefined;
  };
  // an English pace word may sit inside a motion ("moves quickly to the right", "slowly rises"): it is taken out
  // first, unless it starts a longer phrase of its own ("a slow zoom in")
  const adverbs = new Set<PromptToken>();
  for (let i = 0; i < keyed.length;) {
    const found = longestAt(i);
    const t = keyed[i]!;
    if (found?.length === 1 && found.meaning.kind === 'speed' && t.type === 'word') {
      adverbs.add(t);
      matches.push({ meaning: found.meaning, start: t.start, end: t.end, plural: false });
    }
    i += found?.length ?? 1;
  }
  keyed = keyed.filter((t) => !adverbs.has(t));
  for (let i = 0; i < keyed.length;) {
    const t = keyed[i]!;
    if (t.type === 'boundary') {
      i++;
      continue;
    }
    const found = longestAt(i);
    if (found) {
      const last = keyed[i + found.length - 1]!;
      if (found.meaning.kind !== 'filler') matches.push({ meaning: found.meaning, start: t.start, end: last.end, plural: last.plural });
      i += found.length;
      continue;
    }
    // "does not spin", "不旋转": a negated motion is a still object
    if (NEGATIONS.has(t.key)) {
      const next = longestAt(i + 1);
      if (next && next.meaning.kind === 'motion') {
        matches.push({ meaning: { kind: 'motion', value: 'stay' }, start: t.start, end: keyed[i + next.length]!.end, plural: false });
        i += 1 + next.length;
        continue;
      }
    }
    if (!(t.type === 'han' && CHINESE_FILLER_CHARS.has(t.key))) unused.push({ start: t.start, end: t.end });
    i++;
  }
  return { matches: matches.sort((a, b) => a.start - b.start), unused };
}

/** Reads a prompt: its concepts, the phrases they came from, what could not be used, and the caption to encode. */
export function normalisePrompt(prompt: string): PromptReading {
  const text = prompt.normalize('NFKC');
  const tokens = promptTokens(prompt);
  const { matches, unused: unusedSpans } = matchTokens(tokens);
  const concepts: Concepts = {};
  const understood: UnderstoodPhrase[] = [];
  const spans = [...unusedSpans];
  let pendingCount: Count | undefined;
  let object2: Match | undefined;
  const byKind = new Map<ConceptKind, Match>();
  for (const m of matches) {
    if (m.meaning.kind === 'other' || m.meaning.kind === 'filler') {
      if (m.meaning.kind === 'other') spans.push(m);
      continue;
    }
    const { kind, value } = m.meaning;
    const phrase = text.slice(m.start, m.end);
    if (kind === 'count') {
      pendingCount ??= Number(value) as Count;
      understood.push({ phrase, kind, value });
      continue;
    }
    if (kind === 'object') {
      if (!concepts.object) {
        concepts.object = value;
        concepts.count = pendingCount ?? (m.plural ? 2 : 1);
        understood.push({ phrase, kind, value });
        byKind.set(kind, m);
      } else if (!object2 && value !== concepts.object) {
        object2 = m;
      } else if (value !== concepts.object) spans.push(m);
      pendingCount = undefined;
      continue;
    }
    const first = byKind.get(kind);
    // one motion (background, effect, …) per clip: a second, different one is reported, not silently mixed in
    if (first && first.meaning.kind === kind && 'value' in first.meaning && first.meaning.value !== value) {
      spans.push(m);
      continue;
    }
    if (!first) {
      (concepts as Record<string, unknown>)[kind] = value;
      byKind.set(kind, m);
    }
    understood.push({ phrase, kind, value });
  }
  reconcile(concepts, understood, spans, byKind, object2, text);
  const unused = phrasesOf(text, spans, tokens);
  const usable = Object.keys(concepts).length > 0;
  return { caption: captionOf(prompt, concepts, unused), concepts, understood, unused, usable };
}

/** What the world cannot draw together: an effect holds the object still; a second object needs a relation; a
 * still object has no pace. What is dropped moves from understood to unused. */
function reconcile(concepts: Concepts, understood: UnderstoodPhrase[], spans: { start: number; end: number }[], byKind: Map<ConceptKind, Match>, object2: Match | undefined, text: string): void {
  const drop = (kind: ConceptKind) => {
    const m = byKind.get(kind);
    delete (concepts as Record<string, unknown>)[kind];
    if (m) spans.push(m);
    for (let i = understood.length - 1; i >= 0; i--) if (understood[i]!.kind === kind) understood.splice(i, 1);
  };
  if (concepts.effect && concepts.motion) drop('motion');
  const relation = concepts.motion !== undefined && isRelation(concepts.motion as Motion);
  if (object2 && object2.meaning.kind === 'object') {
    if (relation && concepts.object) {
      concepts.object2 = object2.meaning.value;
      understood.push({ phrase: text.slice(object2.start, object2.end), kind: 'object', value: object2.meaning.value });
    } else spans.push(object2);
  }
  // "a frog meets a duck" with no duck in the world: a relation needs its second object, so it is reported unused
  // rather than drawn with a made-up partner
  if (relation && concepts.object && !concepts.object2) {
    drop('motion');
    return reconcile(concepts, understood, spans, byKind, undefined, text);
  }
  if (relation && concepts.object) concepts.count = 2;
  if (concepts.effect && concepts.object) concepts.count = 1;
  if (concepts.speed && (!concepts.motion || concepts.motion === 'stay' || concepts.effect)) drop('speed');
}

/** Unused spans as phrases: neighbours with nothing understood between them merge ("café crème"). A prompt of
 * punctuation alone is unused as a whole. */
function phrasesOf(text: string, spans: { start: number; end: number }[], tokens: PromptToken[]): string[] {
  if (!tokens.some((t) => t.type !== 'boundary') && text.trim()) return [text.trim()];
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const s of sorted) {
    const prev = merged.at(-1);
    const between = prev ? tokens.filter((t) => t.start >= prev.end && t.end <= s.start && !t.filler && !(t.type === 'han' && CHINESE_FILLER_CHARS.has(t.key))) : [];
    if (prev && between.length === 0) prev.end = Math.max(prev.end, s.end);
    else merged.push({ ...s });
  }
  return [...new Set(merged.map((s) => text.slice(s.start, s.end).trim()).filter(Boolean))];
}

/** The caption to encode: a grammar caption as given (the model trained on exactly these), else the grammar's
 * caption of the concepts. */
function captionOf(prompt: string, concepts: Concepts, unused: string[]): string {
  if (!unused.length) {
    const parsed = parseCaption(prompt);
    if (!parsed.unknownWords.length && sameConcepts(parsed.labels, concepts) && /^[A-Za-z0-9 ,.'-]*$/.test(prompt)) return prompt.trim();
  }
  return writeCaption(concepts);
}

function sameConcepts(a: Concepts, b: Concepts): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

/** What the world draws, in a sentence for people (refusals, the studio). */
export const WORLD_SUMMARY = `one of ${Object.keys(OBJECT_WORDS).length} objects (${Object.keys(OBJECT_WORDS).slice(0, 6).join(', ')}, …) moving, ` +
  'bouncing, spinning, growing or chasing another, in the sky, at sunset, at night, on grass, on a beach, in snow, in a desert, underwater, ' +
  'in a forest or a city, with effects (squish, inflate, melt, explode, dizzy, bloom, fluffy) and camera moves (pan, tilt, zoom)';

const withArticle = (word: string) => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;

/** The grammar's first phrasing of each concept stated: "Two cats bounce quickly on the beach, the camera pans left". */
export function writeCaption(c: Concepts): string {
  const noun = (object: string) => OBJECT_WORDS[object]![0]!;
  const parts: string[] = [];
  const count = c.count ?? 1;
  // a relation's count (2) is its two objects together: the subject is one ("a dog chases a ball")
  const relation = c.motion !== undefined && isRelation(c.motion as Motion) && !(c.effect && c.effect !== 'none');
  if (c.object) parts.push(count === 1 || relation ? withArticle(noun(c.object).one) : `${COUNT_WORDS[count][0]} ${noun(c.object).many}`);
  if (c.effect && c.effect !== 'none') parts.push(EFFECT_WORDS[c.effect as Exclude<Effect, 'none'>][0]!.one);
  else if (c.motion) {
    const verb = MOTION_WORDS[c.motion][0]!;
    parts.push(count > 1 && !isRelation(c.motion) ? verb.many : verb.one);
    if (isRelation(c.motion)) parts.push(withArticle(noun(c.object2 && c.object2 !== 'none' ? c.object2 : c.object ?? 'cat').one));
    if (c.speed && c.motion !== 'stay') parts.push(SPEED_WORDS[c.speed as Speed][0]!);
  }
  if (c.background) parts.push(BACKGROUND_WORDS[c.background as Background][0]!);
  let sentence = parts.join(' ');
  if (c.camera && c.camera !== 'none') sentence = [sentence, CAMERA_WORDS[c.camera as Exclude<Camera, 'none'>][0]!].filter(Boolean).join(', ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
