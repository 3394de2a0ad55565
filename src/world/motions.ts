/** Trajectories of the single-object motions and of the two-object relations. */
import type { Rng } from './random.js';
import type { Relation, SingleMotion, Speed } from './vocabulary.js';
import { restPose, smoothstep, type Pose } from './actors.js';

export const SPEED_FACTOR: Record<Speed, number> = { slow: 0.55, normal: 1, fast: 1.6 };

const DIRECTIONS: Partial<Record<SingleMotion, [number, number]>> = {
  left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1],
  up_left: [-Math.SQRT1_2, -Math.SQRT1_2], up_right: [Math.SQRT1_2, -Math.SQRT1_2],
  down_left: [-Math.SQRT1_2, Math.SQRT1_2], down_right: [Math.SQRT1_2, Math.SQRT1_2],
};

export type PosePath = (t: number) => Pose;

/** Whether copies of an object moving this way are stacked in a column (else side by side in a row). */
export function stacksVertically(motion: SingleMotion): boolean {
  return motion === 'left' || motion === 'right' || motion === 'zigzag';
}

/**
 * The path of one object doing `motion`. (cx, cy) is where the motion is centred; `sense` (±1) picks the
 * direction of spinning, circling and zigzagging; `phase` offsets circular motion so copies share one circle.
 */
export function motionPath(motion: SingleMotion, speed: Speed, cx: number, cy: number, sense: 1 | -1, phase = 0): PosePath {
  const k = SPEED_FACTOR[speed];
  const dir = DIRECTIONS[motion];
  if (dir) {
    const distance = Math.min(0.56, 0.36 * k);
    return (t) => restPose(cx + dir[0] * distance * (t - 0.5), cy + dir[1] * distance * (t - 0.5));
  }
  switch (motion) {
    case 'bounce': {
      const bounces = 1.5 * k + 0.5;
      const height = 0.22;
      return (t) => {
        const s = Math.abs(Math.sin(Math.PI * bounces * t));
        const pose = restPose(cx, cy + height / 2 - height * s);
        // Squash on contact with the floor, as cartoon balls do.
        const squash = s < 0.15 ? 1 - (0.15 - s) * 1.5 : 1;
        pose.stretchY = squash;
        pose.stretchX = 2 - squash;
        return pose;
      };
    }
    case 'jump': {
      const duration = Math.min(0.8, 0.55 / k + 0.15);
      const start = 0.5 - duration / 2;
      const height = 0.38;
      return (t) => {
        const u = (t - start) / duration;
        const air = u > 0 && u < 1 ? 4 * u * (1 - u) : 0;
        const pose = restPose(cx, cy + 0.15 - height * air);
        const crouch = u <= 0 ? smoothstep(start - 0.2, start, t) : u >= 1 ? 1 - smoothstep(start + duration, start + duration + 0.15, t) : 0;
        pose.stretchY = 1 - 0.25 * crouch;
        pose.stretchX = 1 + 0.2 * crouch;
        return pose;
      };
    }
    case 'circle': {
      const turns = 0.5 + 0.6 * k;
      const radius = 0.2;
      return (t) => {
        const a = phase + sense * 2 * Math.PI * turns * t;
        return restPose(cx + radius * Math.cos(a), cy + radius * Math.sin(a));
      };
    }
    case 'zigzag': {
      const zigs = 1 + 2 * k;
      const distance = 0.45;
      const amplitude = 0.12;
      return (t) => {
        const tri = 2 * Math.abs(((zigs * t) % 1) * 2 - 1) - 1;
        return restPose(cx + sense * distance * (t - 0.5), cy + amplitude * tri);
      };
    }
    case 'spin': {
      const turns = 0.6 * k + 0.2;
      return (t) => ({ ...restPose(cx, cy), angle: sense * 2 * Math.PI * turns * t });
    }
    case 'grow':
    case 'shrink': {
      const change = 0.35 + 0.45 * k;
      return (t) => {
        const u = motion === 'grow' ? t : 1 - t;
        return { ...restPose(cx, cy), scale: 0.6 + change * u };
      };
    }
    case 'stay':
      return () => restPose(cx, cy);
    default:
      throw new Error(`no path for motion ${motion}`);
  }
}

/** Paths of the subject (first) and the other object (second) of a relation; they travel along one line. */
export function relationPaths(relation: Relation, speed: Speed, rng: Rng): [PosePath, PosePath] {
  const k = 0.7 + 0.3 * SPEED_FACTOR[speed];
  const dir = rng.chance(0.5) ? 1 : -1;
  const y = rng.range(0.45, 0.65);
  const bob = (t: number, p: number) => 0.012 * Math.sin(t * 18 * k + p);
  const at = (x: number, t: number, p: number): Pose => restPose(0.5 + dir * (x - 0.5), y + bob(t, p));
  switch (relation) {
    case 'chases': {
      // The gap closes: the chaser is faster than the one it chases.
      const lead0 = 0.5 + rng.range(-0.05, 0.05);
      const leadSpeed = 0.22 * k;
      const gap0 = 0.42;
      const gap1 = 0.2;
      return [
        (t) => at(lead0 - gap0 + (leadSpeed + gap0 - gap1) * t - leadSpeed / 2, t, 0),
        (t) => at(lead0 + leadSpeed * t - leadSpeed / 2, t, 1.7),
      ];
    }
    case 'follows': {
      const lead0 = 0.62 + rng.range(-0.04, 0.04);
      const travel = 0.3 * k;
      const gap = 0.32;
      return [
        (t) => at(lead0 - gap + travel * (t - 0.5), t, 0),
        (t) => at(lead0 + travel * (t - 0.5), t, 1.7),
      ];
    }
    case 'meets': {
      const meet = 0.5 + rng.range(-0.05, 0.05);
      const apart = (t: number) => 0.36 * (1 - Math.min(1, t * k * 1.2));
      return [
        (t) => at(meet - 0.14 - apart(t), t, 0),
        (t) => at(meet + 0.14 + apart(t), t, 1.7),
      ];
    }
  }
}
