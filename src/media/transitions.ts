/**
 * Frame math for films, on raw rgb24 frames (width × height × 3 bytes, row-major): crossfades, dips to black,
 * wipes, and how a fixed-length clip fills a shot of another length. Pure functions, no I/O: the bundled ffmpeg
 * (a 2018 build) has no `xfade`, so transitions are computed here and the composed frames are encoded once.
 */

/** How one shot hands over to the next. */
export const TRANSITIONS = ['cut', 'crossfade', 'fade_black', 'wipe_left', 'wipe_right'] as const;
export type Transition = (typeof TRANSITIONS)[number];

/** Transitions that overlap the end of one shot with the start of the next (the film gets shorter by the overlap). */
export function overlaps(t: Transition): boolean {
  return t === 'crossfade' || t === 'wipe_left' || t === 'wipe_right';
}

/** How a clip fills a shot longer than itself: play it again, play it back and forth, or freeze its last frame. */
export const FILLS = ['loop', 'pingpong', 'hold'] as const;
export type Fill = (typeof FILLS)[number];

export interface FrameSize {
  width: number;
  height: number;
}

export const frameBytes = (s: FrameSize): number => s.width * s.height * 3;

/** Which frame of a `clipFrames`-long clip is frame `i` of the shot. A shot shorter than the clip is its start. */
export function sourceFrameIndex(i: number, clipFrames: number, fill: Fill): number {
  if (clipFrames <= 1 || i < clipFrames) return Math.min(i, Math.max(0, clipFrames - 1));
  switch (fill) {
    case 'loop':
      return i % clipFrames;
    case 'hold':
      return clipFrames - 1;
    case 'pingpong': {
      const period = 2 * clipFrames - 2;
      const p = i % period;
      return p < clipFrames ? p : period - p;
    }
  }
}

/** a·(1−t) + b·t per channel (t in [0, 1]), rounded; writes into `out` (a new frame when absent). */
export function crossfade(a: Uint8Array, b: Uint8Array, t: number, out = new Uint8Array(a.length)): Uint8Array {
  const w = Math.min(1, Math.max(0, t));
  const k = Math.round(w * 256);
  for (let i = 0; i < a.length; i++) out[i] = (a[i]! * (256 - k) + b[i]! * k + 128) >> 8;
  return out;
}

/** The frame scaled toward black: `level` 1 leaves it, 0 is black. */
export function fadeToBlack(a: Uint8Array, level: number, out = new Uint8Array(a.length)): Uint8Array {
  const k = Math.round(Math.min(1, Math.max(0, level)) * 256);
  for (let i = 0; i < a.length; i++) out[i] = (a[i]! * k + 128) >> 8;
  return out;
}

/**
 * A hard-edged wipe: `b` covers a growing part of the frame as t goes 0 → 1. 'wipe_left' moves the edge from the
 * right side to the left (the new shot comes in from the right); 'wipe_right' moves it from left to right.
 */
export function wipe(a: Uint8Array, b: Uint8Array, t: number, size: FrameSize, direction: 'wipe_left' | 'wipe_right', out = new Uint8Array(a.length)): Uint8Array {
  const { width, height } = size;
  const covered = Math.round(Math.min(1, Math.max(0, t)) * width);
  // Columns [from, to) show b.
  const from = direction === 'wipe_right' ? 0 : width - covered;
  const to = direction === 'wipe_right' ? covered : width;
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    out.set(a.subarray(row, row + from * 3), row);
    out.set(b.subarray(row + from * 3, row + to * 3), row + from * 3);
    out.set(a.subarray(row + to * 3, row + width * 3), row + to * 3);
  }
  return out;
}

/** Frame k (0-based) of an n-frame overlap: how far the new shot is in, strictly between 0 and 1. */
export const overlapWeight = (k: number, n: number): number => (k + 1) / (n + 1);

/** The blended frame k of an n-frame overlapping transition from `a` to `b`. */
export function transitionFrame(kind: Transition, a: Uint8Array, b: Uint8Array, k: number, n: number, size: FrameSize): Uint8Array {
  const t = overlapWeight(k, n);
  if (kind === 'wipe_left' || kind === 'wipe_right') return wipe(a, b, t, size, kind);
  return crossfade(a, b, t);
}

/**
 * A dip to black over n frames on each side: the outgoing shot's last n frames go down to black (the last one is
 * black), the incoming shot's first n frames come up from black (the first one is black).
 */
export const fadeOutLevel = (k: number, n: number): number => 1 - (k + 1) / n;
export const fadeInLevel = (k: number, n: number): number => k / n;
