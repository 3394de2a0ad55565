/** Where ffmpeg and ffprobe are: FFMPEG_PATH / FFPROBE_PATH override the binaries that `npm install` brings. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || (require('@ffprobe-installer/ffprobe') as { path: string }).path;
}
