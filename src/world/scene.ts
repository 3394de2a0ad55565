/** Turns labels (what a clip shows) into a concrete scene: background, actors and camera path. */
import type { Rng } from './random.js';
import { isRelation, type Camera, type ClipLabels, type SingleMotion } from './vocabulary.js';
import { poseDraw, smoothstep, type Actor } from './actors.js';
import { motionPath, relationPaths, stacksVertically } from './motions.js';
import { effectActor } from './effects.js';
import { BACKGROUND_VARIANTS } from './backgrounds.js';

export interface CameraState {
  /** View centre offset from the world centre, in view widths. */
  x: number;
  y: number;
  zoom: number;
}

export interface Scene {
  labels: ClipLabels;
  /** Which of the background's textured variants this clip shows. */
  backgroundVariant: number;
  actors: Actor[];
  camera: (t: number) => CameraState;
}

export function buildScene(labels: ClipLabels, rng: Rng): Scene {
  const backgroundVariant = rng.int(0, BACKGROUND_VARIANTS - 1);
  return { labels, backgroundVariant, actors: buildActors(labels, rng), camera: cameraPath(labels.camera, rng) };
}

function buildActors(labels: ClipLabels, rng: Rng): Actor[] {
  if (labels.effect !== 'none') {
    const size = rng.range(0.36, 0.44);
    return [effectActor(labels.effect, labels.object, size, rng.range(0.42, 0.58), rng.range(0.48, 0.6), rng)];
  }
  if (isRelation(labels.motion)) {
    const size = rng.range(0.24, 0.3);
    const [first, second] = relationPaths(labels.motion, labels.speed, rng);
    const other = labels.object2 === 'none' ? labels.object : labels.object2;
    return [
      { at: (t) => [poseDraw(labels.object, size, first(t))] },
      { at: (t) => [poseDraw(other, size, second(t))] },
    ];
  }
  const motion = labels.motion as SingleMotion;
  const count = labels.count;
  const size = count === 1 ? rng.range(0.3, 0.38) : count === 2 ? rng.range(0.24, 0.28) : rng.range(0.19, 0.23);
  const cx = 0.5 + rng.range(-0.06, 0.06);
  const cy = 0.5 + rng.range(-0.06, 0.06);
  const spacing = size * 1.2;
  const sense = rng.chance(0.5) ? 1 : -1;
  const actors: Actor[] = [];
  for (let i = 0; i < count; i++) {
    const offset = (i - (count - 1) / 2) * spacing;
    const vertical = stacksVertically(motion);
    const phase = motion === 'circle' ? (2 * Math.PI * i) / count : 0;
    const ox = motion === 'circle' || vertical ? 0 : offset;
    const oy = motion === 'circle' || !vertical ? 0 : offset;
    const path = motionPath(motion, labels.speed, cx + ox, cy + oy, sense, phase);
    actors.push({ at: (t) => [poseDraw(labels.object, size, path(t))] });
  }
  return actors;
}

function cameraPath(camera: Camera, rng: Rng): (t: number) => CameraState {
  const travel = rng.range(0.17, 0.23);
  const ease = (t: number) => smoothstep(0, 1, t) * 0.5 + t * 0.5;
  switch (camera) {
    case 'none':
      return () => ({ x: 0, y: 0, zoom: 1 });
    case 'pan_left':
      return (t) => ({ x: travel * (0.5 - ease(t)), y: 0, zoom: 1 });
    case 'pan_right':
      return (t) => ({ x: travel * (ease(t) - 0.5), y: 0, zoom: 1 });
    case 'tilt_up':
      return (t) => ({ x: 0, y: travel * (0.5 - ease(t)), zoom: 1 });
    case 'tilt_down':
      return (t) => ({ x: 0, y: travel * (ease(t) - 0.5), zoom: 1 });
    case 'zoom_in':
      return (t) => ({ x: 0, y: 0, zoom: 0.8 * Math.pow(1.3 / 0.8, ease(t)) });
    case 'zoom_out':
      return (t) => ({ x: 0, y: 0, zoom: 1.3 * Math.pow(0.8 / 1.3, ease(t)) });
  }
}
