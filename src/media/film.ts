/**
 * Shots + a title → one film: decode each shot's clip to rgb24 at the film's size, lay the title card and the shots
 * out on a timeline (timeline.ts), blend the transitions in TypeScript (transitions.ts; the bundled ffmpeg has no
 * xfade) and pipe the frames to ffmpeg once: MP4, H.264 yuv420p, faststart, with the caller's metadata tags (the
 * AI-generated label). The poster is the title card.
 */
import { metadataArgs } from '../engine/ffmpeg.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { pipeToFfmpeg, runFfmpeg } from './ffmpeg-run.js';
import { composeFilm, planFilm, type SegmentSpec } from './timeline.js';
import { renderTitleCard } from './title-card.js';
import { frameBytes, sourceFrameIndex, type Fill, type FrameSize, type Transition } from './transitions.js';

export interface FilmShot {
  /** A video file ffmpeg can read (the shot's clip). */
  clipPath: string;
  /** Frames the shot lasts in the film (shorter than the clip: its start; longer: `fill`). */
  frames: number;
  fill: Fill;
  /** Into the next shot; for the last shot 'fade_black' fades the film out. */
  transition: Transition;
}

export interface FilmSpec extends FrameSize {
  title: string;
  titleFrames: number;
  fps: number;
  transitionFrames: number;
  shots: FilmShot[];
  /** Container tags (title, comment, ai_generated, …). */
  metadata: Record<string, string>;
}

export interface Film {
  video: Buffer;
  poster: Buffer;
  frames: number;
  seconds: number;
  timingsMs: { title: number; decode: number; encode: number; total: number };
}

/** The segments of a film: the title card (dipping to black into the first shot), then the shots. */
export function filmSegments(titleFrames: number, shots: Pick<FilmShot, 'frames' | 'transition'>[]): SegmentSpec[] {
  return [{ frames: titleFrames, transition: 'fade_black' }, ...shots.map((s) => ({ frames: s.frames, transition: s.transition }))];
}

/** Every frame of a video as rgb24 at width × height. */
export async function decodeClip(path: string, size: FrameSize): Promise<Uint8Array[]> {
  const raw = await runFfmpeg(['-i', path, '-vf', `scale=${size.width}:${size.height}:flags=lanczos`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const bytes = frameBytes(size);
  if (raw.length === 0 || raw.length % bytes !== 0) throw new Error(`decoding ${path} gave ${raw.length} bytes, not whole ${size.width}x${size.height} frames`);
  const frames: Uint8Array[] = [];
  for (let o = 0; o < raw.length; o += bytes) frames.push(new Uint8Array(raw.buffer, raw.byteOffset + o, bytes));
  return frames;
}

function pngOf(frame: Uint8Array, size: FrameSize): Buffer {
  const png = new PNG({ width: size.width, height: size.height });
  for (let i = 0, j = 0; i < size.width * size.height; i++, j += 3) {
    png.data[i * 4] = frame[j]!;
    png.data[i * 4 + 1] = frame[j + 1]!;
    png.data[i * 4 + 2] = frame[j + 2]!;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

export async function buildFilm(spec: FilmSpec, signal?: AbortSignal): Promise<Film> {
  const t0 = performance.now();
  const size = { width: spec.width, height: spec.height };
  if (size.width % 2 || size.height % 2) throw new Error(`a film must have even dimensions for yuv420p, not ${size.width}x${size.height}`);
  const plan = planFilm(filmSegments(spec.titleFrames, spec.shots), spec.transitionFrames, { fadeInFirst: true });
  const card = await renderTitleCard({ title: spec.title, ...size });
  const t1 = performance.now();
  const clips: Uint8Array[][] = [];
  for (const shot of spec.shots) {
    if (signal?.aborted) throw new Error('stopped');
    clips.push(await decodeClip(shot.clipPath, size));
  }
  const t2 = performance.now();
  const source = (segment: number, i: number): Uint8Array => {
    if (segment === 0) return card;
    const clip = clips[segment - 1]!;
    return clip[sourceFrameIndex(i, clip.length, spec.shots[segment - 1]!.fill)]!;
  };
  const dir = mkdtempSync(join(tmpdir(), 'kineo-film-'));
  try {
    const path = join(dir, 'film.mp4');
    const meta = metadataArgs(spec.metadata);
    await pipeToFfmpeg([
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${size.width}x${size.height}`, '-r', String(spec.fps), '-i', 'pipe:0',
      '-vf', 'format=yuv420p', '-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-movflags', '+faststart+use_metadata_tags',
      ...meta, '-f', 'mp4', path,
    ], composeFilm(plan, source, size), signal);
    const t3 = performance.now();
    return {
      video: readFileSync(path),
      poster: pngOf(card, size),
      frames: plan.totalFrames,
      seconds: plan.totalFrames / spec.fps,
      timingsMs: { title: Math.round(t1 - t0), decode: Math.round(t2 - t1), encode: Math.round(t3 - t2), total: Math.round(t3 - t0) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
