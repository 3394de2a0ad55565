/**
 * How far the picture moved between two frames, by phase correlation: the normalised cross-power spectrum of the two
 * (Hann-windowed, grey) frames is a pure phase ramp for a translation, whose inverse FFT peaks at the shift. This is
 * how a camera pan or tilt is measured on clips of pictures the world never drew (there are no labels to read).
 */
import type { Clip } from '../world/render.js';

/** In-place radix-2 FFT of (re, im), length a power of two; `inverse` leaves the result unscaled. */
function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

/** 2-D FFT of an n × n grid (rows then columns). */
function fft2(re: Float64Array, im: Float64Array, n: number, inverse = false): void {
  const r = new Float64Array(n);
  const i = new Float64Array(n);
  for (let y = 0; y < n; y++) {
    r.set(re.subarray(y * n, y * n + n));
    i.set(im.subarray(y * n, y * n + n));
    fft(r, i, inverse);
    re.set(r, y * n);
    im.set(i, y * n);
  }
  for (let x = 0; x < n; x++) {
    for (let y = 0; y < n; y++) {
      r[y] = re[y * n + x]!;
      i[y] = im[y * n + x]!;
    }
    fft(r, i, inverse);
    for (let y = 0; y < n; y++) {
      re[y * n + x] = r[y]!;
      im[y * n + x] = i[y]!;
    }
  }
}

/** Frame f's centre square, area-sampled to n × n grey values with a Hann window (so the borders do not correlate). */
function windowedGrey(clip: Clip, f: number, n: number): Float64Array {
  const side = Math.min(clip.width, clip.height);
  const x0 = (clip.width - side) / 2;
  const y0 = (clip.height - side) / 2;
  const out = new Float64Array(n * n);
  const base = f * clip.width * clip.height * 3;
  let mean = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const sx = Math.min(clip.width - 1, Math.floor(x0 + ((x + 0.5) * side) / n));
      const sy = Math.min(clip.height - 1, Math.floor(y0 + ((y + 0.5) * side) / n));
      const i = base + (sy * clip.width + sx) * 3;
      const v = 0.299 * clip.data[i]! + 0.587 * clip.data[i + 1]! + 0.114 * clip.data[i + 2]!;
      out[y * n + x] = v;
      mean += v;
    }
  }
  mean /= n * n;
  for (let y = 0; y < n; y++) {
    const wy = 0.5 - 0.5 * Math.cos((2 * Math.PI * (y + 0.5)) / n);
    for (let x = 0; x < n; x++) out[y * n + x] = (out[y * n + x]! - mean) * wy * (0.5 - 0.5 * Math.cos((2 * Math.PI * (x + 0.5)) / n));
  }
  return out;
}

export interface Shift {
  /** Pixels (of the measured n × n square, n = 64 by default) the content moved right (+) or left (−). */
  dx: number;
  /** Pixels the content moved down (+) or up (−). */
  dy: number;
  /** Height of the correlation peak (1 = a perfect translation, ~0 = no common content). */
  peak: number;
}

/** The translation that carries frame `a` of a clip onto frame `b`, by phase correlation on the centre square. */
export function phaseShift(clip: Clip, a: number, b: number, n = 64): Shift {
  const fa = windowedGrey(clip, a, n);
  const fb = windowedGrey(clip, b, n);
  const ia = new Float64Array(n * n);
  const ib = new Float64Array(n * n);
  fft2(fa, ia, n);
  fft2(fb, ib, n);
  // cross-power spectrum B · conj(A) / |B · conj(A)|: its inverse peaks at the shift from a to b
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let k = 0; k < n * n; k++) {
    const r = fb[k]! * fa[k]! + ib[k]! * ia[k]!;
    const i = ib[k]! * fa[k]! - fb[k]! * ia[k]!;
    const mag = Math.hypot(r, i) || 1;
    re[k] = r / mag;
    im[k] = i / mag;
  }
  fft2(re, im, n, true);
  let best = 0;
  for (let k = 1; k < n * n; k++) if (re[k]! > re[best]!) best = k;
  const wrap = (v: number) => (v > n / 2 ? v - n : v);
  const by = Math.floor(best / n);
  const bx = best % n;
  // sub-pixel: a parabola through the peak and its neighbours on each axis
  const at = (y: number, x: number) => re[((y + n) % n) * n + ((x + n) % n)]!;
  const refine = (m: number, c: number, p: number) => (m - 2 * c + p === 0 ? 0 : (0.5 * (m - p)) / (m - 2 * c + p));
  const c = at(by, bx);
  return {
    dx: wrap(bx) + refine(at(by, bx - 1), c, at(by, bx + 1)),
    dy: wrap(by) + refine(at(by - 1, bx), c, at(by + 1, bx)),
    peak: c / (n * n),
  };
}

export type CameraMove = 'pan_left' | 'pan_right' | 'tilt_up' | 'tilt_down';

/**
 * Which way the camera moved over a clip: the content's shift summed over consecutive frames (a camera panning left
 * sees the scene slide right). Frame to frame, so content that changes slowly is still followed, where one match of
 * the first frame against the last would lock onto whatever the two happen to share. `null` when the summed shift is
 * under `minPixels` (of the 64-pixel square) or no axis dominates.
 */
export function measuredCameraMove(clip: Clip, minPixels = 1): { move: CameraMove | null; shift: Shift } {
  const shift: Shift = { dx: 0, dy: 0, peak: 0 };
  for (let f = 1; f < clip.frames; f++) {
    const s = phaseShift(clip, f - 1, f);
    shift.dx += s.dx;
    shift.dy += s.dy;
    shift.peak += s.peak / (clip.frames - 1);
  }
  const { dx, dy } = shift;
  if (Math.max(Math.abs(dx), Math.abs(dy)) < minPixels || Math.abs(Math.abs(dx) - Math.abs(dy)) < 0.5) return { move: null, shift };
  const move: CameraMove = Math.abs(dx) > Math.abs(dy) ? (dx > 0 ? 'pan_left' : 'pan_right') : dy > 0 ? 'tilt_up' : 'tilt_down';
  return { move, shift };
}
