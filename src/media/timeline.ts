/**
 * A film's timeline: segments (a title card, then shots) of whole frames, each with the transition into the next.
 * Overlapping transitions (crossfade, wipes) share frames between two segments, so the film is
 * Σ frames − Σ overlaps long; a dip to black takes the outgoing segment's last frames down to black and the incoming
 * segment's first frames up from black (no overlap). Pure: `planFilm` does the arithmetic, `composeFilm` yields the
 * frames from a source of segment frames.
 */
import { fadeInLevel, fadeOutLevel, fadeToBlack, overlaps, transitionFrame, type FrameSize, type Transition } from './transitions.js';

export interface SegmentSpec {
  frames: number;
  /** Into the next segment (for the last one: 'fade_black' fades the film out, anything else ends it plainly). */
  transition: Transition;
}

export interface PlannedSegment {
  start: number;
  frames: number;
  /** Frames at the start shared with the previous segment's transition. */
  overlapIn: number;
  /** Frames at the end shared with the next segment (the transition's length). */
  overlapOut: number;
  fadeIn: number;
  fadeOut: number;
  transition: Transition;
}

export interface FilmPlan {
  segments: PlannedSegment[];
  totalFrames: number;
}

/**
 * Lays segments out in time; `transitionFrames` is the length of every transition (overlap, or each half of a dip
 * to black); `fadeInFirst` opens the film from black. Throws when a segment is too short for its transitions.
 */
export function planFilm(specs: SegmentSpec[], transitionFrames: number, options: { fadeInFirst?: boolean } = {}): FilmPlan {
  const n = Math.max(0, Math.floor(transitionFrames));
  const segments: PlannedSegment[] = [];
  let start = 0;
  specs.forEach((spec, i) => {
    const prev = specs[i - 1];
    const last = i === specs.length - 1;
    const overlapIn = prev && overlaps(prev.transition) ? n : 0;
    const overlapOut = !last && overlaps(spec.transition) ? n : 0;
    const fadeIn = (prev ? prev.transition === 'fade_black' : options.fadeInFirst) ? n : 0;
    const fadeOut = spec.transition === 'fade_black' ? n : 0;
    if (overlapIn + overlapOut > spec.frames || fadeIn + fadeOut > spec.frames) {
      throw new Error(`segment ${i} has ${spec.frames} frames, too few for its transitions (${Math.max(overlapIn + overlapOut, fadeIn + fadeOut)})`);
    }
    if (prev) start += segments[i - 1]!.frames - overlapIn;
    segments.push({ start, frames: spec.frames, overlapIn, overlapOut, fadeIn, fadeOut, transition: spec.transition });
  });
  const lastSeg = segments.at(-1);
  return { segments, totalFrames: lastSeg ? lastSeg.start + lastSeg.frames : 0 };
}

/** Frame `i` of segment `s` as rgb24 (the caller maps a shot frame onto its clip; a title card is one frame). */
export type FrameSource = (segment: number, i: number) => Uint8Array;

/** The film's frames in order, `plan.totalFrames` of them. */
export function* composeFilm(plan: FilmPlan, source: FrameSource, size: FrameSize): Generator<Uint8Array> {
  const { segments } = plan;
  const faded = (s: number, i: number): Uint8Array => {
    const seg = segments[s]!;
    const frame = source(s, i);
    if (i < seg.fadeIn) return fadeToBlack(frame, fadeInLevel(i, seg.fadeIn));
    const fromEnd = i - (seg.frames - seg.fadeOut);
    if (fromEnd >= 0) return fadeToBlack(frame, fadeOutLevel(fromEnd, seg.fadeOut));
    return frame;
  };
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    for (let i = seg.overlapIn; i < seg.frames - seg.overlapOut; i++) yield faded(s, i);
    const n = seg.overlapOut;
    for (let k = 0; k < n; k++) {
      yield transitionFrame(seg.transition, faded(s, seg.frames - n + k), faded(s + 1, k), k, n, size);
    }
  }
}
