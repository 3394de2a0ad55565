/** Brings any clip to the judge's input size: nearest frames in time, area-averaged (or bilinear) pixels in space. */
import type { Clip } from '../world/render.js';

export function resampleClip(clip: Clip, frames: number, height: number, width: number): Clip {
  if (clip.frames === frames && clip.height === height && clip.width === width) return clip;
  const data = new Uint8Array(frames * height * width * 3);
  const sy = clip.height / height;
  const sx = clip.width / width;
  for (let f = 0; f < frames; f++) {
    const src = Math.min(clip.frames - 1, Math.round((f * (clip.frames - 1)) / Math.max(frames - 1, 1)));
    const srcBase = src * clip.height * clip.width * 3;
    for (let y = 0; y < height; y++) {
      const y0 = Math.floor(y * sy);
      const y1 = Math.max(y0 + 1, Math.min(clip.height, Math.floor((y + 1) * sy)));
      for (let x = 0; x < width; x++) {
        const x0 = Math.floor(x * sx);
        const x1 = Math.max(x0 + 1, Math.min(clip.width, Math.floor((x + 1) * sx)));
        let r = 0, g = 0, b = 0;
        for (let yy = y0; yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++) {
            const i = srcBase + (yy * clip.width + xx) * 3;
            r += clip.data[i]!;
            g += clip.data[i + 1]!;
            b += clip.data[i + 2]!;
          }
        }
        const n = (y1 - y0) * (x1 - x0);
        const o = ((f * height + y) * width + x) * 3;
        data[o] = Math.round(r / n);
        data[o + 1] = Math.round(g / n);
        data[o + 2] = Math.round(b / n);
      }
    }
  }
  return { frames, height, width, data };
}

/** Gaussian blur of every frame (separable, clamped borders): the judge must see content, not sharpness. */
export function blurClip(clip: Clip, sigma: number): Clip {
  if (sigma <= 0) return clip;
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-0.5 * ((i - radius) / sigma) ** 2));
  const total = kernel.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= total;
  const { frames, height, width } = clip;
  const tmp = new Float32Array(height * width * 3);
  const out = new Uint8Array(clip.data.length);
  for (let f = 0; f < frames; f++) {
    const base = f * height * width * 3;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = Math.min(width - 1, Math.max(0, x + k));
            s += kernel[k + radius]! * clip.data[base + (y * width + xx) * 3 + c]!;
          }
          tmp[(y * width + x) * 3 + c] = s;
        }
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let k = -radius; k <= radius; k++) {
            const yy = Math.min(height - 1, Math.max(0, y + k));
            s += kernel[k + radius]! * tmp[(yy * width + x) * 3 + c]!;
          }
          out[base + (y * width + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(s)));
        }
      }
    }
  }
  return { frames, height, width, data: out };
}
