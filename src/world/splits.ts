/**
 * Train / held-out split over object × motion × background combinations, and sampling of labels per split.
 * The held-out list is data (heldout.json), generated once by scripts/make-heldout.ts and never changed
 * silently: a model trained on one list is only comparable with figures measured on the same list.
 */
import heldoutData from './heldout.json' with { type: 'json' };
import type { Rng } from './random.js';
import { BACKGROUNDS, CAMERAS, EFFECTS, MOTIONS, OBJECTS, RELATIONS, SINGLE_MOTIONS, comboKey, type ClipLabels, type Count, type Speed } from './vocabulary.js';
import { hasSpeed } from './captions.js';

export type Split = 'train' | 'heldout' | 'all';
export const SPLITS: readonly Split[] = ['train', 'heldout', 'all'];

const heldout = new Set<string>(heldoutData.combos);

export function isHeldOut(labels: Pick<ClipLabels, 'object' | 'motion' | 'background'>): boolean {
  return heldout.has(comboKey(labels));
}

export function heldOutCombos(): readonly string[] {
  return heldoutData.combos;
}

export function allCombos(): string[] {
  return OBJECTS.flatMap((o) => MOTIONS.flatMap((m) => BACKGROUNDS.map((b) => comboKey({ object: o, motion: m, background: b }))));
}

/** Draws labels of any kind of clip (plain motion, relation, effect; with or without a camera move). */
export function sampleAnyLabels(rng: Rng): ClipLabels {
  const object = rng.pick(OBJECTS);
  const background = rng.pick(BACKGROUNDS);
  const camera = rng.chance(0.25) ? rng.pick(CAMERAS.slice(1)) : 'none';
  const speed: Speed = rng.pick(['slow', 'normal', 'fast'] as const);
  const kind = rng.next();
  if (kind < 0.22) {
    return { object, object2: 'none', motion: 'stay', speed: 'normal', background, count: 1, effect: rng.pick(EFFECTS.slice(1)), camera };
  }
  if (kind < 0.36) {
    let object2 = rng.pick(OBJECTS);
    while (object2 === object) object2 = rng.pick(OBJECTS);
    return { object, object2, motion: rng.pick(RELATIONS), speed, background, count: 2, effect: 'none', camera };
  }
  const motion = rng.pick(SINGLE_MOTIONS);
  const r = rng.next();
  const count: Count = r < 0.6 ? 1 : r < 0.82 ? 2 : 3;
  return { object, object2: 'none', motion, speed: hasSpeed(motion) ? speed : 'normal', background, count, effect: 'none', camera };
}

/** Draws labels from a split: train never yields a held-out combination; heldout yields only those. */
export function sampleLabels(rng: Rng, split: Split): ClipLabels {
  for (;;) {
    const labels = sampleAnyLabels(rng);
    if (split === 'all' || isHeldOut(labels) === (split === 'heldout')) return labels;
  }
}
