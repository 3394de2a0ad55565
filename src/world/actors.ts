/**
 * What moves in a clip. An actor turns clip time t ∈ [0,1] into the sprites to draw at that instant,
 * in world units (the view at rest covers [0,1]²; sizes are fractions of the view width).
 */
import type { SpriteStyle } from './sprites.js';

/** A sprite placed in world units: centre (x, y) and size as fractions of the view. */
export interface SpriteDraw extends SpriteStyle {
  sprite: string;
  x: number;
  y: number;
  sizeX: number;
  sizeY: number;
}

export interface Actor {
  at(t: number): SpriteDraw[];
}

export interface Pose {
  x: number;
  y: number;
  /** Uniform scale, then per-axis stretch (squash and stretch). */
  scale: number;
  stretchX: number;
  stretchY: number;
  angle: number;
}

export const restPose = (x: number, y: number): Pose => ({ x, y, scale: 1, stretchX: 1, stretchY: 1, angle: 0 });

export function poseDraw(sprite: string, size: number, pose: Pose, extra: Partial<SpriteDraw> = {}): SpriteDraw {
  return {
    sprite,
    x: pose.x,
    y: pose.y,
    sizeX: size * pose.scale * pose.stretchX,
    sizeY: size * pose.scale * pose.stretchY,
    angle: pose.angle,
    opacity: 1,
    ...extra,
  };
}

export function smoothstep(lo: number, hi: number, t: number): number {
  const x = Math.min(1, Math.max(0, (t - lo) / (hi - lo)));
  return x * x * (3 - 2 * x);
}

/** Deterministic pseudo-random value in [0,1) from two coordinates (for per-pixel texture in warps). */
export function hash2(x: number, y: number): number {
  const s = Math.sin(x * 127.1 + y * 311.7) * 43758.5453;
  return s - Math.floor(s);
}
