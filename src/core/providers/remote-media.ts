/**
 * A remote provider's video made Kineo's own: checked (a corrupt file is a failure, not a result), relabelled with
 * Kineo's AI-generated tags (DESIGN.md §7) without re-encoding, and given a poster and a spritesheet from its frames
 * when the remote offers none.
 */
import { metadataArgs } from '../../engine/ffmpeg.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../../media/ffmpeg-run.js';
import { RemoteError } from './remote-http.js';

/**
 * `transcode`: the remote's file is not an H.264 MP4 (a WebM, a GIF, an animated WebP from a ComfyUI graph), so it
 * is re-encoded to one — every stored clip plays in every browser and joins films and zips like any other.
 */
export async function labelVideo(video: Buffer, metadata: Record<string, string>, options: { transcode?: boolean } = {}): Promise<{ video: Buffer; poster: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-remote-'));
  try {
    const input = join(dir, 'in.mp4');
    const output = join(dir, 'out.mp4');
    writeFileSync(input, video);
    const tags = metadataArgs(metadata);
    try {
      const codec = options.transcode
        ? ['-map', '0:v:0', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', '-preset', 'veryfast', '-crf', '18']
        : ['-map', '0', '-c', 'copy'];
      // One ffmpeg for both outputs (the labelled file, and the first frame as the poster on stdout): a process
      // start is most of the CPU a remote task costs Kineo, and a queue of GPU boxes finishes many at once.
      const poster = await runFfmpeg(['-i', input,
        ...codec, '-map_metadata', '-1', ...tags, '-movflags', '+faststart+use_metadata_tags', '-f', 'mp4', output,
        '-map', '0:v:0', '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', 'pipe:1']);
      if (!poster.length) throw new Error('the video has no frame');
      return { video: readFileSync(output), poster };
    } catch (err) {
      // The remote said it finished but what it sent is not a video: worth another attempt, and visible in the task.
      throw new RemoteError(`the remote's video could not be read (${(err as Error).message.slice(0, 200)})`, undefined, true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
