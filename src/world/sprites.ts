/**
 * Sprite textures from the committed atlas, and the one routine that draws a (warped) sprite into a canvas.
 * Textures are premultiplied RGBA floats with a mip chain, so a small on-screen sprite samples a level
 * close to its size and stays smooth instead of aliasing.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import atlasIndex from './atlas/atlas.json' with { type: 'json' };

export interface SpriteLevel {
  size: number;
  /** Premultiplied RGBA, row-major, size×size×4: colour in [0,255] (the canvas scale), alpha in [0,1]. */
  rgba: Float32Array;
}
export interface Sprite {
  name: string;
  /** Levels from largest (atlas cell) to smallest (8 px). */
  levels: SpriteLevel[];
}

let cache: Map<string, Sprite> | undefined;

export function loadSprites(): Map<string, Sprite> {
  if (cache) return cache;
  const png = PNG.sync.read(readFileSync(new URL('./atlas/atlas.png', import.meta.url)));
  const cell = atlasIndex.cell;
  cache = new Map();
  for (const entry of atlasIndex.sprites) {
    let level: SpriteLevel = { size: cell, rgba: new Float32Array(cell * cell * 4) };
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) {
        const src = ((entry.y + y) * png.width + entry.x + x) * 4;
        const dst = (y * cell + x) * 4;
        const a = png.data[src + 3]! / 255;
        level.rgba[dst] = png.data[src]! * a;
        level.rgba[dst + 1] = png.data[src + 1]! * a;
        level.rgba[dst + 2] = png.data[src + 2]! * a;
        level.rgba[dst + 3] = a;
      }
    }
    const levels = [level];
    while (level.size > 8) {
      level = halve(level);
      levels.push(level);
    }
    cache.set(entry.name, { name: entry.name, levels });
  }
  return cache;
}

function halve(level: SpriteLevel): SpriteLevel {
  const size = level.size >> 1;
  const rgba = new Float32Array(size * size * 4);
  const src = level.rgba;
  const s2 = level.size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 4; c++) {
        const i = ((2 * y) * s2 + 2 * x) * 4 + c;
        rgba[(y * size + x) * 4 + c] = 0.25 * (src[i]! + src[i + 4]! + src[i + s2 * 4]! + src[i + s2 * 4 + 4]!);
      }
    }
  }
  return { size, rgba };
}

export function spriteLevelFor(sprite: Sprite, pixelsAcross: number): SpriteLevel {
  let chosen = sprite.levels[0]!;
  for (const level of sprite.levels) {
    if (level.size >= pixelsAcross) chosen = level;
  }
  return chosen;
}

/**
 * An RGB canvas with values in [0,255]. Backgrounds paint into floats; frames are byte views straight into the
 * clip's buffer (Uint8ClampedArray rounds and clamps on store), so a finished frame needs no conversion pass.
 */
export interface Canvas {
  width: number;
  height: number;
  rgb: Float32Array | Uint8ClampedArray;
  /**
   * Optional per-pixel sprite coverage (height × width, 0–255): drawSprite raises it to the largest alpha it
   * composited there. Training uses it to weight the loss towards the objects (their pixels are few).
   */
  coverage?: Uint8ClampedArray;
}

export function createCanvas(width: number, height: number): Canvas {
  return { width, height, rgb: new Float32Array(width * height * 3) };
}

/**
 * Maps a canvas pixel, in the sprite's local frame (x, y ∈ [-0.5, 0.5] covers the unwarped sprite), to the
 * texture coordinate to sample (u, v ∈ [0,1]) and an opacity multiplier. Returning false skips the pixel.
 */
export type SpriteWarp = (x: number, y: number, out: WarpResult) => boolean;
export interface WarpResult {
  u: number;
  v: number;
  alpha: number;
}

/** How a sprite is drawn, whatever the coordinate space it is placed in. */
export interface SpriteStyle {
  /** Rotation in radians (clockwise on screen). */
  angle: number;
  opacity: number;
  /** Extra extent of the local frame the warp may draw into (e.g. a melt puddle), in sprite sizes. */
  margin?: number;
  warp?: SpriteWarp;
  /** Colour transform applied to the sampled premultiplied colour (e.g. fluffy's pastel). */
  tint?: (rgba: Float32Array) => void;
}

export interface SpritePlacement extends SpriteStyle {
  /** Centre in canvas pixels. */
  cx: number;
  cy: number;
  /** Size of the sprite's square in canvas pixels along its local x and y axes. */
  sizeX: number;
  sizeY: number;
}

const warpOut: WarpResult = { u: 0, v: 0, alpha: 1 };
const sample = new Float32Array(4);

/** Alpha-composites a sprite onto the canvas with bilinear sampling from the mip level nearest its size. */
export function drawSprite(canvas: Canvas, sprite: Sprite, p: SpritePlacement): void {
  if (p.sizeX < 0.5 || p.sizeY < 0.5 || p.opacity <= 0) return;
  const level = spriteLevelFor(sprite, Math.max(p.sizeX, p.sizeY));
  const margin = p.margin ?? 0;
  const cos = Math.cos(p.angle);
  const sin = Math.sin(p.angle);
  const half = (0.5 + margin) * Math.max(p.sizeX, p.sizeY) * 1.4143;
  const x0 = Math.max(0, Math.floor(p.cx - half));
  const x1 = Math.min(canvas.width - 1, Math.ceil(p.cx + half));
  const y0 = Math.max(0, Math.floor(p.cy - half));
  const y1 = Math.min(canvas.height - 1, Math.ceil(p.cy + half));
  const limit = 0.5 + margin;
  const rgb = canvas.rgb;
  const coverage = canvas.coverage;
  for (let py = y0; py <= y1; py++) {
    const dy = py + 0.5 - p.cy;
    for (let px = x0; px <= x1; px++) {
      const dx = px + 0.5 - p.cx;
      // Inverse rotation into the sprite's local frame, normalised by its size.
      const lx = (cos * dx + sin * dy) / p.sizeX;
      const ly = (-sin * dx + cos * dy) / p.sizeY;
      if (lx < -limit || lx > limit || ly < -limit || ly > limit) continue;
      let alphaMul = p.opacity;
      let u = lx + 0.5;
      let v = ly + 0.5;
      if (p.warp) {
        warpOut.alpha = 1;
        if (!p.warp(lx, ly, warpOut)) continue;
        u = warpOut.u;
        v = warpOut.v;
        alphaMul *= warpOut.alpha;
      }
      if (!sampleBilinear(level, u, v, sample)) continue;
      if (p.tint) p.tint(sample);
      const a = sample[3]! * alphaMul;
      if (a <= 0.002) continue;
      const o = (py * canvas.width + px) * 3;
      const keep = 1 - a;
      rgb[o] = rgb[o]! * keep + sample[0]! * alphaMul;
      rgb[o + 1] = rgb[o + 1]! * keep + sample[1]! * alphaMul;
      rgb[o + 2] = rgb[o + 2]! * keep + sample[2]! * alphaMul;
      if (coverage) {
        const c = py * canvas.width + px;
        const value = a * 255;
        if (value > coverage[c]!) coverage[c] = value;
      }
    }
  }
}

function sampleBilinear(level: SpriteLevel, u: number, v: number, out: Float32Array): boolean {
  const size = level.size;
  const fx = u * size - 0.5;
  const fy = v * size - 0.5;
  if (fx < -1 || fy < -1 || fx > size || fy > size) return false;
  const ix = Math.floor(fx);
  const iy = Math.floor(fy);
  const tx = fx - ix;
  const ty = fy - iy;
  const rgba = level.rgba;
  out[0] = out[1] = out[2] = out[3] = 0;
  for (let k = 0; k < 4; k++) {
    const sx = ix + (k & 1);
    const sy = iy + (k >> 1);
    if (sx < 0 || sy < 0 || sx >= size || sy >= size) continue;
    const w = ((k & 1) ? tx : 1 - tx) * ((k >> 1) ? ty : 1 - ty);
    const i = (sy * size + sx) * 4;
    out[0] += rgba[i]! * w;
    out[1] += rgba[i + 1]! * w;
    out[2] += rgba[i + 2]! * w;
    out[3] += rgba[i + 3]! * w;
  }
  return out[3]! > 0;
}
