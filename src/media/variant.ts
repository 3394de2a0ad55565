/**
 * One ad variant's video: a generated clip fitted onto its aspect ratio (aspect.ts), with its caption burned in
 * (captions.ts) or not, re-encoded to H.264. The source's container tags (the AI-generated label: model, version,
 * seed, request id) are carried over and the variant's own are added.
 */
import { spawn } from 'node:child_process';
import { ffmpegPath, metadataArgs } from '../engine/ffmpeg.js';
import { fitFilter, type AspectRatio } from './aspect.js';
import { burnCaptionFilters } from './captions.js';
import { captionPosition } from './caption-placement.js';

export interface VariantRender {
  input: string;
  output: string;
  aspect: AspectRatio;
  /** Burned in when given; the caption's line files are written to `workDir`. */
  burnCaption?: string;
  workDir: string;
  /** A unique prefix for the files this render writes in `workDir`. */
  name: string;
  /** Tags added to the source's (same names replace them). */
  metadata: Record<string, string>;
  signal?: AbortSignal;
}

export async function renderVariant(r: VariantRender): Promise<void> {
  // the caption goes where the clip's subject is not (bottom unless the top is clearly clearer)
  const text = r.burnCaption?.trim();
  const caption = text ? burnCaptionFilters(text, r.aspect, r.workDir, r.name, await captionPosition(r.input, text, r.aspect)) : 'null';
  const graph = `${fitFilter(r.aspect)};[fit]${caption},format=yuv420p[out]`;
  const meta = metadataArgs(r.metadata);
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y', '-i', r.input,
    '-filter_complex', graph, '-map', '[out]', '-map_metadata', '0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-threads', '1',
    '-movflags', '+faststart+use_metadata_tags', ...meta, '-f', 'mp4', r.output,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'], signal: r.signal });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => reject(err.name === 'AbortError' ? err : new Error(`could not run ffmpeg (${err.message}); set FFMPEG_PATH to an ffmpeg binary`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (exit ${code}): ${stderr.trim().slice(-2000)}`))));
  });
}
