/**
 * A video people give us to continue (`kineo generate --extend in.mp4`): decoded by ffmpeg at the model's frame rate,
 * centre-cropped and scaled to the model's size, as raw RGB frames.
 */
import { runFfmpeg } from './ffmpeg-run.js';
import { coverFilter } from './image.js';

export interface RgbClip {
  data: Uint8Array;
  frames: number;
  width: number;
  height: number;
}

export class VideoInputError extends Error {
  constructor(message: string, readonly code: 'video_invalid' | 'video_too_long') {
    super(message);
    this.name = 'VideoInputError';
  }
}

/** The video at `path`, resampled to `fps` and fitted to width × height; refused past `maxFrames` frames. */
export async function decodeVideoFile(path: string, width: number, height: number, fps: number, maxFrames: number): Promise<RgbClip> {
  let out: Buffer;
  try {
    // one frame more than allowed is enough to know the video is too long, without decoding all of it
    out = await runFfmpeg(['-i', path, '-vf', `fps=${fps},${coverFilter(width, height)}`, '-frames:v', String(maxFrames + 1), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  } catch (err) {
    throw new VideoInputError(`${path} could not be decoded as a video (${(err as Error).message.split('\n')[0]})`, 'video_invalid');
  }
  const frameBytes = width * height * 3;
  const frames = Math.floor(out.length / frameBytes);
  if (frames === 0) throw new VideoInputError(`${path} has no video frames`, 'video_invalid');
  if (frames > maxFrames) throw new VideoInputError(`${path} is longer than ${maxFrames} frames at ${fps} fps; the most a clip to extend may have`, 'video_too_long');
  return { data: new Uint8Array(out.buffer, out.byteOffset, frames * frameBytes), frames, width, height };
}
