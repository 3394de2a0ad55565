/** Draws a scene into frames: background through the camera, then every actor's sprites. */
import type { Scene } from './scene.js';
import { backgroundVariant, WORLD_MARGIN } from './backgrounds.js';
import { drawSprite, loadSprites, type Canvas } from './sprites.js';

export interface ClipSize {
  frames: number;
  height: number;
  width: number;
}

/** A clip as packed RGB bytes: frames × height × width × 3. */
export interface Clip extends ClipSize {
  data: Uint8Array;
  /** With `{ coverage: true }`: how much of each pixel the sprites cover, frames × height × width, 0–255. */
  coverage?: Uint8Array;
}

export interface RenderOptions {
  /** Also return the sprites' per-pixel coverage (the objects' mask, for loss weighting in training). */
  coverage?: boolean;
}

export function renderScene(scene: Scene, size: ClipSize, options: RenderOptions = {}): Clip {
  const { frames, height, width } = size;
  const sprites = loadSprites();
  // A native aspect, not a stretched square: the short side spans the world's unit square, as a 1:1 frame does,
  // and the long side shows more of the world (16:9 sees further left and right, 9:16 further up and down), so
  // the centre square of any aspect is the 1:1 frame pixel for pixel.
  const view = Math.min(width, height);
  const background = backgroundVariant(scene.labels.background, scene.backgroundVariant, view);
  const data = new Uint8Array(frames * height * width * 3);
  const frameBytes = height * width * 3;
  const coverage = options.coverage ? new Uint8Array(frames * height * width) : undefined;
  // A still camera sees the same background in every frame: sample it once.
  let still: Uint8ClampedArray | undefined;
  for (let f = 0; f < frames; f++) {
    const t = frames > 1 ? f / (frames - 1) : 0;
    const cam = scene.camera(t);
    const frame: Canvas = { width, height, rgb: new Uint8ClampedArray(data.buffer, data.byteOffset + f * frameBytes, frameBytes) };
    if (coverage) frame.coverage = new Uint8ClampedArray(coverage.buffer, f * height * width, height * width);
    if (scene.labels.camera === 'none') {
      if (!still) {
        sampleBackground(background, frame, cam.x, cam.y, cam.zoom, view);
        still = frame.rgb.slice() as Uint8ClampedArray;
      } else {
        frame.rgb.set(still);
      }
    } else {
      sampleBackground(background, frame, cam.x, cam.y, cam.zoom, view);
    }
    for (const actor of scene.actors) {
      for (const d of actor.at(t)) {
        drawSprite(frame, sprites.get(d.sprite)!, {
          ...d,
          cx: (d.x - 0.5 - cam.x) * cam.zoom * view + width / 2,
          cy: (d.y - 0.5 - cam.y) * cam.zoom * view + height / 2,
          sizeX: d.sizeX * cam.zoom * view,
          sizeY: d.sizeY * cam.zoom * view,
        });
      }
    }
  }
  return coverage ? { frames, height, width, data, coverage } : { frames, height, width, data };
}

/** Bilinear lookup of the background canvas through the camera, filling the frame; `view` pixels span one world
 * unit (beyond the painted margin the edge is held). */
function sampleBackground(bg: Canvas, frame: Canvas, camX: number, camY: number, zoom: number, view: number): void {
  const scale = bg.width / (1 + 2 * WORLD_MARGIN);
  const { width, height, rgb } = frame;
  const src = bg.rgb;
  const maxX = bg.width - 1;
  const maxY = bg.height - 1;
  for (let j = 0; j < height; j++) {
    const wy = (j + 0.5 - height / 2) / view / zoom + 0.5 + camY;
    let fy = (wy + WORLD_MARGIN) * scale - 0.5;
    fy = fy < 0 ? 0 : fy > maxY ? maxY : fy;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, maxY);
    const ty = fy - y0;
    for (let i = 0; i < width; i++) {
      const wx = (i + 0.5 - width / 2) / view / zoom + 0.5 + camX;
      let fx = (wx + WORLD_MARGIN) * scale - 0.5;
      fx = fx < 0 ? 0 : fx > maxX ? maxX : fx;
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, maxX);
      const tx = fx - x0;
      const a = (y0 * bg.width + x0) * 3;
      const b = (y0 * bg.width + x1) * 3;
      const c = (y1 * bg.width + x0) * 3;
      const d = (y1 * bg.width + x1) * 3;
      const o = (j * width + i) * 3;
      for (let k = 0; k < 3; k++) {
        const top = src[a + k]! + (src[b + k]! - src[a + k]!) * tx;
        const bottom = src[c + k]! + (src[d + k]! - src[c + k]!) * tx;
        rgb[o + k] = top + (bottom - top) * ty;
      }
    }
  }
}
