/**
 * Where an ad's caption goes so that it does not cover the subject: the clip is read small and grey; whatever moves
 * (each pixel's distance from its own median over the clip) and whatever has edges in the still median frame is taken
 * as the subject, placed where the variant will put the clip (aspect.ts: fitted inside the frame, centred, the rest a
 * blurred fill that holds no subject); the caption goes to the bottom band unless the top band holds clearly less. The generator is not asked where it drew the subject: this works
 * for any provider's clip.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffprobePath } from '../engine/ffmpeg.js';
import { runFfmpeg } from './ffmpeg-run.js';
import { FRAME_SIZES, type AspectRatio } from './aspect.js';
import { captionBand, type CaptionPosition } from './captions.js';

/** The clip is analysed at its fitted size shrunk by this factor (360×360 inside 360×640 → 45×45). */
const SHRINK = 8;
/** The top band wins only when it holds less than this share of the bottom band's subject. */
const TOP_MARGIN = 0.7;
/** Below this (mean grey levels of motion + edges per pixel of the band) the bottom band holds no subject. */
const MIN_SUBJECT = 1;

/** Per row of the shrunk frame: how much subject it holds (mean over its pixels of motion + still edges). */
export function subjectRows(frames: Uint8Array, count: number, width: number, height: number): Float64Array {
  const plane = width * height;
  const median = new Float64Array(plane);
  const column = new Float64Array(count);
  for (let p = 0; p < plane; p++) {
    for (let t = 0; t < count; t++) column[t] = frames[t * plane + p]!;
    column.sort();
    median[p] = column[count >> 1]!;
  }
  const rows = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    let sum = 0;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let motion = 0;
      for (let t = 0; t < count; t++) motion += Math.abs(frames[t * plane + p]! - median[p]!);
      const gx = x + 1 < width ? Math.abs(median[p + 1]! - median[p]!) : 0;
      const gy = y + 1 < height ? Math.abs(median[p + width]! - median[p]!) : 0;
      sum += motion / count + 0.5 * (gx + gy);
    }
    rows[y] = sum / width;
  }
  return rows;
}

/** The band's mean subject: rows y0..y1 of the ad frame, of which the clip covers rows `fg.y0`..`fg.y1` (shrunk
 * into `rows`); what lies outside the clip is the blurred fill around it, no subject. */
function bandScore(rows: Float64Array, y0: number, y1: number, fg: { y0: number; y1: number }): number {
  let sum = 0;
  const scale = rows.length / (fg.y1 - fg.y0);
  for (let y = y0; y < y1; y++) {
    if (y < fg.y0 || y >= fg.y1) continue;
    sum += rows[Math.min(rows.length - 1, Math.floor((y - fg.y0) * scale))]!;
  }
  return sum / Math.max(1, y1 - y0);
}

/** Picks the band from the clip's measured rows (exported for tests); `fg`: the ad-frame rows the clip covers. */
export function choosePosition(rows: Float64Array, caption: string, aspect: AspectRatio, fg = { y0: 0, y1: FRAME_SIZES[aspect].height }): CaptionPosition {
  const bottom = captionBand(caption, aspect, 'bottom');
  const top = captionBand(caption, aspect, 'top');
  const under = bandScore(rows, bottom.y0, bottom.y1, fg);
  // nothing to speak of under the bottom band (a flat sky, the blurred fill): the caption stays where viewers look
  if (under < MIN_SUBJECT) return 'bottom';
  return bandScore(rows, top.y0, top.y1, fg) < TOP_MARGIN * under ? 'top' : 'bottom';
}

/** Reads the clip at `input` (what `renderVariant` will fit) and says where its caption should go. */
export async function captionPosition(input: string, caption: string, aspect: AspectRatio): Promise<CaptionPosition> {
  const { width: W, height: H } = FRAME_SIZES[aspect];
  const { stdout } = await promisify(execFile)(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', input], { timeout: 30_000 });
  const [sw, sh] = stdout.trim().split(',').map(Number);
  if (!sw || !sh) return 'bottom';
  // the clip as fitFilter places it: scaled to fit inside the frame, centred
  const k = Math.min(W / sw, H / sh);
  const fgH = Math.round(sh * k);
  const fg = { y0: Math.round((H - fgH) / 2), y1: Math.round((H - fgH) / 2) + fgH };
  const w = Math.max(4, Math.round((sw * k) / SHRINK)), h = Math.max(4, Math.round(fgH / SHRINK));
  const raw = await runFfmpeg(['-i', input, '-vf', `scale=${w}:${h}:flags=area,format=gray`, '-frames:v', '240', '-f', 'rawvideo', 'pipe:1']);
  const count = Math.floor(raw.length / (w * h));
  if (count < 1) return 'bottom';
  return choosePosition(subjectRows(raw, count, w, h), caption, aspect, fg);
}
