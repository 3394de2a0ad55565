/**
 * A generated clip → the files a user gets: the labelled video (ffmpeg, via video.ts), a poster PNG and a
 * spritesheet PNG. One place for the CLI (`kineo generate`) and the server's providers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Clip } from '../world/render.js';
import { encodeVideo, type VideoFormat } from './video.js';

/** What made a clip, as the container metadata tells it. */
export interface ClipOrigin {
  model: { name: string; version: string };
  seed: number;
  steps?: number;
  guidance?: number | null;
}

/** Container tags: the AI-generated label (DESIGN.md §7) with model, version, seed and request id. */
export function generationMetadata(g: ClipOrigin, prompt: string, requestId: string, negative?: string): Record<string, string> {
  const model = `${g.model.name} ${g.model.version}`;
  return {
    title: prompt,
    comment: `AI-generated video: made by ${model} (Kineo), seed ${g.seed}, request ${requestId}`,
    ai_generated: 'true',
    generator: 'kineo',
    model: g.model.name,
    model_version: g.model.version,
    seed: String(g.seed),
    request_id: requestId,
    prompt,
    ...(negative ? { negative_prompt: negative } : {}),
    ...(g.steps !== undefined ? { steps: String(g.steps) } : {}),
    ...(g.guidance !== undefined ? { guidance: String(g.guidance) } : {}),
  };
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** Copies frame `index` of `clip` into `png` at (ox, oy), scaled (nearest) to w×h. */
function blitFrame(clip: Clip, index: number, png: PNG, ox: number, oy: number, w: number, h: number): void {
  const base = index * clip.width * clip.height * 3;
  for (let y = 0; y < h; y++) {
    const sy = Math.min(clip.height - 1, Math.floor((y * clip.height) / h));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(clip.width - 1, Math.floor((x * clip.width) / w));
      const s = base + (sy * clip.width + sx) * 3;
      const o = ((oy + y) * png.width + ox + x) * 4;
      png.data[o] = clip.data[s]!;
      png.data[o + 1] = clip.data[s + 1]!;
      png.data[o + 2] = clip.data[s + 2]!;
      png.data[o + 3] = 255;
    }
  }
}

/** Frame `index` as a PNG, scaled (nearest) to `size` pixels across when given. */
export function posterPng(clip: Clip, index: number, size?: number): Buffer {
  const width = size ? even(size) : clip.width;
  const height = size ? even((size * clip.height) / clip.width) : clip.height;
  const png = new PNG({ width, height });
  blitFrame(clip, index, png, 0, 0, width, height);
  return PNG.sync.write(png);
}

/** Every frame in a grid (row-major, `columns` across, default √frames), each `cell` pixels across. */
export function spritesheetPng(clip: Clip, options: { columns?: number; cell?: number } = {}): Buffer {
  const columns = options.columns ?? Math.ceil(Math.sqrt(clip.frames));
  const rows = Math.ceil(clip.frames / columns);
  const w = options.cell ?? clip.width;
  const h = Math.max(1, Math.round((w * clip.height) / clip.width));
  const png = new PNG({ width: w * columns, height: h * rows });
  for (let f = 0; f < clip.frames; f++) blitFrame(clip, f, png, (f % columns) * w, Math.floor(f / columns) * h, w, h);
  return PNG.sync.write(png);
}

export interface ClipFiles {
  video: Buffer;
  poster: Buffer;
  spritesheet: Buffer;
}

/** Encodes a clip into its video (labelled, scaled to `outputSize` across), its middle frame and its spritesheet. */
export async function encodeClipFiles(
  clip: Clip,
  options: { fps: number; format?: VideoFormat; outputSize?: number; outputHeight?: number; metadata: Record<string, string> },
): Promise<ClipFiles> {
  const format = options.format ?? 'mp4';
  const dir = mkdtempSync(join(tmpdir(), 'kineo-clip-'));
  try {
    const path = join(dir, `video.${format}`);
    await encodeVideo(clip, { path, format, fps: options.fps, outputSize: options.outputSize, outputHeight: options.outputHeight, metadata: options.metadata });
    return {
      video: readFileSync(path),
      poster: posterPng(clip, Math.floor(clip.frames / 2), options.outputSize),
      spritesheet: spritesheetPng(clip),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
