/**
 * Image-to-video on pictures the world never drew (photographs, wallpapers): each picture is given as the first frame
 * with a prompt that asks for a camera move, and we measure what can be measured without labels —
 *   - frame 0 against the picture, beside the model's own VAE round trip of it (the best a clip can reproduce it);
 *   - the camera move, by phase correlation between the first and last frames (phase-correlation.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { KineoPipeline } from '../engine/pipeline.js';
import { DEFAULT_IMAGE_LIMITS, fitImage } from '../media/image.js';
import { CAMERA_WORDS } from '../world/lexicon.js';
import type { Clip } from '../world/render.js';
import { framePsnr, frameOf } from './evaluate.js';
import { measuredCameraMove, type CameraMove } from './phase-correlation.js';

export const CAMERA_MOVES: readonly CameraMove[] = ['pan_left', 'pan_right', 'tilt_up', 'tilt_down'];
const PICTURE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** Every PNG, JPEG and WebP file under the given files or directories (recursively), sorted. */
export function findPictures(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else if (PICTURE_EXTENSIONS.has(extname(p).toLowerCase())) found.push(p);
  };
  for (const p of paths) walk(p);
  return [...new Set(found)].sort();
}

export interface PhotoCase {
  picture: string;
  move: CameraMove;
  prompt: string;
  first_psnr: number;
  roundtrip_psnr: number;
  measured: CameraMove | null;
  dx: number;
  dy: number;
}

export interface PhotoReport {
  generator: string;
  aspect: string;
  pictures: number;
  skipped: { picture: string; reason: string }[];
  clips: number;
  /** Mean PSNR (dB) of frame 0 to the picture, of the round trip, and the share of clips within 1 dB of it. */
  first_frame: { generated_psnr: number; roundtrip_psnr: number; within_1db: number };
  /** Share of clips whose measured move is the one asked, overall and per move. */
  camera: { measured_as_asked: number; by_move: Record<string, { n: number; measured_as_asked: number }> };
  cases: PhotoCase[];
}

export interface PhotoEvalOptions {
  pipeline: KineoPipeline;
  pictures: string[];
  moves?: readonly CameraMove[];
  aspect?: string;
  seed?: number;
  steps?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function evaluatePhotos(options: PhotoEvalOptions): Promise<PhotoReport> {
  const { pipeline } = options;
  const moves = options.moves ?? CAMERA_MOVES;
  const aspect = options.aspect ?? '1:1';
  const { width, height } = pipeline.sizeOf(aspect);
  const skipped: PhotoReport['skipped'] = [];
  const cases: PhotoCase[] = [];
  const total = options.pictures.length * moves.length;
  let done = 0;
  for (const [p, path] of options.pictures.entries()) {
    const bytes = statSync(path).size;
    if (bytes > DEFAULT_IMAGE_LIMITS.maxBytes) {
      skipped.push({ picture: path, reason: `${(bytes / 2 ** 20).toFixed(1)} MiB, over the ${DEFAULT_IMAGE_LIMITS.maxBytes / 2 ** 20} MiB limit` });
      done += moves.length;
      continue;
    }
    let picture;
    try {
      picture = await fitImage(readFileSync(path), width, height);
    } catch (err) {
      skipped.push({ picture: path, reason: (err as Error).message });
      done += moves.length;
      continue;
    }
    const given: Clip = { ...picture, frames: 1 };
    const roundTrip = framePsnr(await pipeline.roundTrip(picture), given);
    for (const [m, move] of moves.entries()) {
      const prompt = CAMERA_WORDS[move][0]!;
      const clip = await pipeline.generate({ prompt, seed: (options.seed ?? 1) + p * moves.length + m, steps: options.steps, image: picture, aspect });
      const { move: measured, shift } = measuredCameraMove(clip);
      cases.push({
        picture: path, move, prompt, first_psnr: framePsnr(frameOf(clip, 0), given), roundtrip_psnr: roundTrip,
        measured, dx: shift.dx, dy: shift.dy,
      });
      options.onProgress?.(++done, total);
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const share = (cs: PhotoCase[]) => (cs.length ? cs.filter((c) => c.measured === c.move).length / cs.length : 0);
  return {
    generator: `${pipeline.manifest.name}@${pipeline.manifest.version}`,
    aspect,
    pictures: options.pictures.length - skipped.length,
    skipped,
    clips: cases.length,
    first_frame: {
      generated_psnr: mean(cases.map((c) => c.first_psnr)),
      roundtrip_psnr: mean(cases.map((c) => c.roundtrip_psnr)),
      within_1db: cases.length ? cases.filter((c) => c.first_psnr >= c.roundtrip_psnr - 1).length / cases.length : 0,
    },
    camera: {
      measured_as_asked: share(cases),
      by_move: Object.fromEntries(moves.map((mv) => {
        const of = cases.filter((c) => c.move === mv);
        return [mv, { n: of.length, measured_as_asked: share(of) }];
      })),
    },
    cases,
  };
}

export function formatPhotoReport(r: PhotoReport): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  return [
    `${r.generator}, ${r.aspect}: ${r.clips} clips of ${r.pictures} pictures${r.skipped.length ? ` (${r.skipped.length} skipped)` : ''}`,
    `frame 0: ${r.first_frame.generated_psnr.toFixed(2)} dB PSNR to the picture; the VAE's round trip ${r.first_frame.roundtrip_psnr.toFixed(2)} dB; within 1 dB of it in ${pct(r.first_frame.within_1db)} of clips`,
    `camera move measured as asked (phase correlation, summed frame to frame): ${pct(r.camera.measured_as_asked)}`,
    ...Object.entries(r.camera.by_move).map(([mv, s]) => `  ${mv.padEnd(10)} ${String(s.n).padStart(4)} clips  ${pct(s.measured_as_asked)}`),
    ...r.skipped.map((s) => `skipped ${s.picture}: ${s.reason}`),
  ].join('\n');
}
