/** Encodes RGB frames into MP4 (H.264, yuv420p, faststart), GIF or WebP with ffmpeg, writing metadata tags. */
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import type { Clip } from '../world/render.js';
import { ffmpegPath, metadataArgs } from './ffmpeg.js';

export type VideoFormat = 'mp4' | 'gif' | 'webp';
export const VIDEO_FORMATS: readonly VideoFormat[] = ['mp4', 'gif', 'webp'];

export function formatFromPath(path: string): VideoFormat {
  const ext = extname(path).slice(1).toLowerCase();
  if ((VIDEO_FORMATS as readonly string[]).includes(ext)) return ext as VideoFormat;
  throw new Error(`cannot tell the video format from "${path}": use a name ending in .mp4, .gif or .webp`);
}

export interface EncodeOptions {
  path: string;
  format: VideoFormat;
  fps: number;
  /** Container tags (title, comment, …); MP4 keeps them with -movflags use_metadata_tags. */
  metadata?: Record<string, string>;
  /** Scale to this many pixels across (nearest multiple of 2) with a Lanczos filter. */
  outputSize?: number;
  /** With outputSize: exactly this many pixels down (a wire format's "720x1280"), else the clip's aspect. */
  outputHeight?: number;
}

function codecArgs(format: VideoFormat, scale: string): string[] {
  switch (format) {
    case 'mp4':
      return ['-vf', `${scale}format=yuv420p`, '-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-movflags', '+faststart+use_metadata_tags', '-f', 'mp4'];
    case 'gif':
      return ['-vf', `${scale}split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a`, '-loop', '0', '-f', 'gif'];
    case 'webp':
      return ['-vf', `${scale}format=yuva420p`, '-c:v', 'libwebp', '-lossless', '0', '-quality', '90', '-loop', '0', '-f', 'webp'];
  }
}

export async function encodeVideo(clip: Clip, options: EncodeOptions): Promise<void> {
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  const needsEven = options.format === 'mp4' && (clip.width % 2 !== 0 || clip.height % 2 !== 0);
  const target = options.outputSize;
  const scale = target
    ? `scale=${even(target)}:${even(options.outputHeight ?? (target * clip.height) / clip.width)}:flags=lanczos,${options.outputHeight ? 'setsar=1,' : ''}`
    : needsEven ? `scale=${even(clip.width)}:${even(clip.height)}:flags=lanczos,` : '';
  const meta = metadataArgs(options.metadata ?? {});
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${clip.width}x${clip.height}`, '-r', String(options.fps), '-i', 'pipe:0',
    ...codecArgs(options.format, scale), ...meta, options.path,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => reject(new Error(`could not run ffmpeg (${err.message}); set FFMPEG_PATH to an ffmpeg binary`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (exit ${code}): ${stderr.trim()}`))));
    child.stdin.on('error', () => {}); // a failed ffmpeg closes its stdin; the exit code reports why
    child.stdin.end(Buffer.from(clip.data.buffer, clip.data.byteOffset, clip.data.byteLength));
  });
}
