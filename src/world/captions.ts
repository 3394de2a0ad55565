/** The caption grammar: labels → one of many phrasings. */
import type { Rng } from './random.js';
import { isRelation, type ClipLabels, type SingleMotion } from './vocabulary.js';
import { BACKGROUND_WORDS, CAMERA_WORDS, COUNT_WORDS, EFFECT_WORDS, MOTION_WORDS, OBJECT_WORDS, SPEED_WORDS, type Verb } from './lexicon.js';

/** Motions whose pace a caption can state (a still object has no speed). */
export function hasSpeed(motion: ClipLabels['motion']): boolean {
  return motion !== 'stay';
}

function article(rng: Rng, word: string): string {
  const det = rng.pick(COUNT_WORDS[1]);
  return det === 'a' && /^[aeiou]/.test(word) ? `an ${word}` : `${det} ${word}`;
}

function nounPhrase(rng: Rng, object: string, count: 1 | 2 | 3): string {
  const noun = rng.pick(OBJECT_WORDS[object]!);
  if (count === 1) return article(rng, noun.one);
  return `${rng.pick(COUNT_WORDS[count])} ${noun.many}`;
}

function verbPhrase(rng: Rng, verbs: Verb[], plural: boolean): string {
  const verb = rng.pick(verbs);
  return plural ? verb.many : verb.one;
}

export function captionFor(labels: ClipLabels, rng: Rng): string {
  let subject: string;
  let predicate: string;
  if (labels.effect !== 'none') {
    subject = nounPhrase(rng, labels.object, 1);
    predicate = verbPhrase(rng, EFFECT_WORDS[labels.effect], false);
  } else if (isRelation(labels.motion)) {
    subject = nounPhrase(rng, labels.object, 1);
    predicate = `${verbPhrase(rng, MOTION_WORDS[labels.motion], false)} ${nounPhrase(rng, labels.object2 === 'none' ? labels.object : labels.object2, 1)}`;
  } else {
    subject = nounPhrase(rng, labels.object, labels.count);
    predicate = verbPhrase(rng, MOTION_WORDS[labels.motion as SingleMotion], labels.count > 1);
  }
  if (hasSpeed(labels.motion) && labels.effect === 'none' && (labels.speed !== 'normal' || rng.chance(0.25))) {
    predicate += ` ${rng.pick(SPEED_WORDS[labels.speed])}`;
  }
  const place = rng.pick(BACKGROUND_WORDS[labels.background]);
  let sentence = rng.chance(0.7) ? `${subject} ${predicate} ${place}` : `${capitalize(place)}, ${subject} ${predicate}`;
  if (labels.camera !== 'none') {
    const camera = rng.pick(CAMERA_WORDS[labels.camera]);
    sentence = rng.chance(0.5) ? `${sentence}, ${camera}` : `${capitalize(camera)}, ${uncapitalize(sentence)}`;
  }
  return capitalize(sentence);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
function uncapitalize(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
