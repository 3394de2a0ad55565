/**
 * What a video file people give us is (a clip to extend): its length and frame size, read by ffprobe before anything
 * decodes its frames, so a file that is not a video, or one too long to extend, is refused at the door.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffprobePath } from '../engine/ffmpeg.js';
import { VideoInputError } from './video-input.js';

export interface VideoInfo {
  /** Seconds. */
  duration: number;
  width: number;
  height: number;
}

export async function probeVideo(bytes: Uint8Array): Promise<VideoInfo> {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-probe-'));
  try {
    const path = join(dir, 'clip');
    writeFileSync(path, bytes);
    let out: string;
    try {
      ({ stdout: out } = await promisify(execFile)(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,duration:format=duration', '-of', 'json', path], { timeout: 30_000 }));
    } catch (err) {
      throw new VideoInputError(`the file is not a video we can read (${(err as Error).message.split('\n').at(-2) ?? 'ffprobe failed'})`, 'video_invalid');
    }
    const probe = JSON.parse(out) as { streams?: { width?: number; height?: number; duration?: string }[]; format?: { duration?: string } };
    const stream = probe.streams?.[0];
    const duration = Number(stream?.duration ?? probe.format?.duration);
    if (!stream?.width || !stream.height) throw new VideoInputError('the file has no video stream', 'video_invalid');
    if (!(duration > 0)) throw new VideoInputError('the video has no duration (is it a single picture?)', 'video_invalid');
    return { duration, width: stream.width, height: stream.height };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
