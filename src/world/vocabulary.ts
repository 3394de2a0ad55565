/**
 * The closed set of concepts the world can draw. Every label, caption word and judge head derives from here.
 */
import atlasIndex from './atlas/atlas.json' with { type: 'json' };

export const OBJECTS = atlasIndex.sprites.filter((s) => s.kind === 'class').map((s) => s.name);
export type ObjectName = string;

export const SINGLE_MOTIONS = [
  'left', 'right', 'up', 'down', 'up_left', 'up_right', 'down_left', 'down_right',
  'bounce', 'jump', 'circle', 'zigzag', 'spin', 'grow', 'shrink', 'stay',
] as const;
export const RELATIONS = ['chases', 'follows', 'meets'] as const;
/** A relation between two objects is a kind of motion: it says what happens in the clip. */
export const MOTIONS = [...SINGLE_MOTIONS, ...RELATIONS] as const;
export type SingleMotion = (typeof SINGLE_MOTIONS)[number];
export type Relation = (typeof RELATIONS)[number];
export type Motion = (typeof MOTIONS)[number];

export const SPEEDS = ['slow', 'normal', 'fast'] as const;
export type Speed = (typeof SPEEDS)[number];

export const BACKGROUNDS = [
  'sky', 'sunset', 'night', 'grass', 'beach', 'snow', 'desert', 'underwater', 'forest', 'city',
] as const;
export type Background = (typeof BACKGROUNDS)[number];

export const EFFECTS = ['none', 'squish', 'inflate', 'melt', 'explode', 'dizzy', 'bloom', 'fluffy'] as const;
export type Effect = (typeof EFFECTS)[number];

export const CAMERAS = ['none', 'pan_left', 'pan_right', 'tilt_up', 'tilt_down', 'zoom_in', 'zoom_out'] as const;
export type Camera = (typeof CAMERAS)[number];

export const COUNTS = [1, 2, 3] as const;
export type Count = (typeof COUNTS)[number];

/** What a clip shows, as structured labels. A caption is one phrasing of these. */
export interface ClipLabels {
  object: ObjectName;
  /** The second object of a relation, or 'none'. */
  object2: ObjectName | 'none';
  motion: Motion;
  speed: Speed;
  background: Background;
  count: Count;
  effect: Effect;
  camera: Camera;
}

/** The judge's heads and the class list of each, in index order (written into shard meta and model.json). */
export const LABEL_VOCAB = {
  object: [...OBJECTS],
  object2: ['none', ...OBJECTS],
  motion: [...MOTIONS],
  speed: [...SPEEDS],
  background: [...BACKGROUNDS],
  count: COUNTS.map(String),
  effect: [...EFFECTS],
  camera: [...CAMERAS],
} as const;
export type LabelHead = keyof typeof LABEL_VOCAB;
export const LABEL_HEADS = Object.keys(LABEL_VOCAB) as LabelHead[];

export function isRelation(motion: Motion): motion is Relation {
  return (RELATIONS as readonly string[]).includes(motion);
}

/** The key of the object × motion × background combination, used by the held-out split. */
export function comboKey(labels: Pick<ClipLabels, 'object' | 'motion' | 'background'>): string {
  return `${labels.object}|${labels.motion}|${labels.background}`;
}
