/** Where ffmpeg and ffprobe are: FFMPEG_PATH / FFPROBE_PATH override the binaries that `npm install` brings. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || (require('@ffprobe-installer/ffprobe') as { path: string }).path;
}

/**
 * `-metadata key=value` arguments for container tags. A tag holds text from the request (prompt, title), and an
 * argument with a NUL in it cannot even be passed to a child process, so control characters become spaces here
 * whatever the request schemas let through (tasks stored before they refused them, providers' own text).
 */
export function metadataArgs(metadata: Record<string, string>): string[] {
  const clean = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
  return Object.entries(metadata).flatMap(([k, v]) => ['-metadata', `${clean(k)}=${clean(v)}`]);
}
