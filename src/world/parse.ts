/**
 * Reads a caption back into labels: greedy longest-phrase matching against the lexicon, so multi-word
 * phrases ("the camera pans left", "under the stars") win over the single words inside them.
 */
import { BACKGROUND_WORDS, CAMERA_WORDS, COUNT_WORDS, EFFECT_WORDS, MOTION_WORDS, OBJECT_WORDS, SPEED_WORDS } from './lexicon.js';
import { isRelation, type Background, type Camera, type ClipLabels, type Count, type Effect, type Motion, type Speed } from './vocabulary.js';

type Meaning =
  | { kind: 'object'; value: string; plural: boolean }
  | { kind: 'count'; value: Count }
  | { kind: 'motion'; value: Motion }
  | { kind: 'speed'; value: Speed }
  | { kind: 'background'; value: Background }
  | { kind: 'effect'; value: Effect }
  | { kind: 'camera'; value: Camera };

/** Words that join phrases and carry no label of their own. */
const FILLER = new Set(['and', 'while', 'as', 'then', 'with', 'of', 'is', 'are', 'video', 'clip', 'scene']);

export function tokenizeCaption(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9\s-]/g, ' ').split(/\s+/).filter(Boolean);
}

let phraseTable: Map<string, Meaning> | undefined;
let longestPhrase = 1;

function phrases(): Map<string, Meaning> {
  if (phraseTable) return phraseTable;
  const table = new Map<string, Meaning>();
  const add = (text: string, meaning: Meaning) => {
    const key = tokenizeCaption(text).join(' ');
    const existing = table.get(key);
    // A phrase may repeat with the same meaning ("fish" is its own plural), never with two meanings.
    if (existing && (existing.kind !== meaning.kind || existing.value !== meaning.value)) {
      throw new Error(`lexicon phrase "${key}" means two things: ${JSON.stringify(existing)} and ${JSON.stringify(meaning)}`);
    }
    if (!existing) table.set(key, meaning);
    longestPhrase = Math.max(longestPhrase, key.split(' ').length);
  };
  for (const [object, nouns] of Object.entries(OBJECT_WORDS)) {
    for (const noun of nouns) {
      add(noun.one, { kind: 'object', value: object, plural: false });
      add(noun.many, { kind: 'object', value: object, plural: true });
    }
  }
  for (const [count, words] of Object.entries(COUNT_WORDS)) {
    for (const word of words) add(word, { kind: 'count', value: Number(count) as Count });
  }
  add('an', { kind: 'count', value: 1 });
  for (const [motion, verbs] of Object.entries(MOTION_WORDS)) {
    for (const verb of verbs) {
      add(verb.one, { kind: 'motion', value: motion as Motion });
      add(verb.many, { kind: 'motion', value: motion as Motion });
    }
  }
  for (const [speed, words] of Object.entries(SPEED_WORDS)) {
    for (const word of words) add(word, { kind: 'speed', value: speed as Speed });
  }
  for (const [bg, words] of Object.entries(BACKGROUND_WORDS)) {
    for (const word of words) add(word, { kind: 'background', value: bg as Background });
  }
  for (const [effect, verbs] of Object.entries(EFFECT_WORDS)) {
    for (const verb of verbs) {
      add(verb.one, { kind: 'effect', value: effect as Effect });
      add(verb.many, { kind: 'effect', value: effect as Effect });
    }
  }
  for (const [camera, words] of Object.entries(CAMERA_WORDS)) {
    for (const word of words) add(word, { kind: 'camera', value: camera as Camera });
  }
  phraseTable = table;
  return table;
}

export interface ParsedCaption {
  /** The labels the caption states; what it does not state is absent. */
  labels: Partial<ClipLabels>;
  /** Words that match nothing the world knows (fillers excluded). */
  unknownWords: string[];
}

export function parseCaption(caption: string): ParsedCaption {
  const table = phrases();
  const tokens = tokenizeCaption(caption);
  const labels: Partial<ClipLabels> = {};
  const unknownWords: string[] = [];
  let pendingCount: Count | undefined;
  let objects = 0;
  for (let i = 0; i < tokens.length;) {
    let matched: Meaning | undefined;
    let length = 0;
    for (let len = Math.min(longestPhrase, tokens.length - i); len >= 1; len--) {
      const meaning = table.get(tokens.slice(i, i + len).join(' '));
      if (meaning) {
        matched = meaning;
        length = len;
        break;
      }
    }
    if (!matched) {
      if (!FILLER.has(tokens[i]!)) unknownWords.push(tokens[i]!);
      i++;
      continue;
    }
    i += length;
    switch (matched.kind) {
      case 'count':
        pendingCount = matched.value;
        break;
      case 'object':
        if (objects === 0) {
          labels.object = matched.value;
          labels.count = pendingCount ?? (matched.plural ? 2 : 1);
        } else if (objects === 1) {
          labels.object2 = matched.value;
        }
        objects++;
        pendingCount = undefined;
        break;
      default:
        (labels as Record<string, unknown>)[matched.kind] = matched.value;
    }
  }
  if (labels.motion && isRelation(labels.motion)) labels.count = 2;
  return { labels, unknownWords };
}

/** Fills what a caption leaves unsaid with the world's defaults (a still object, normal pace, no effect or camera move). */
export function completeLabels(partial: Partial<ClipLabels>, fallbackBackground: Background): ClipLabels {
  if (!partial.object) throw new Error('the caption names no object the world can draw');
  const effect = partial.effect ?? 'none';
  const motion = effect !== 'none' ? 'stay' : partial.motion ?? 'stay';
  return {
    object: partial.object,
    object2: isRelation(motion) ? partial.object2 ?? partial.object : 'none',
    motion,
    speed: partial.speed ?? 'normal',
    background: partial.background ?? fallbackBackground,
    count: isRelation(motion) ? 2 : effect !== 'none' ? 1 : partial.count ?? 1,
    effect,
    camera: partial.camera ?? 'none',
  };
}
