/**
 * A remote provider's video made Kineo's own: checked (a corrupt file is a failure, not a result), relabelled with
 * Kineo's AI-generated tags (DESIGN.md §7) without re-encoding, and given a poster and a spritesheet from its frames
 * when the remote offers none.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../../media/ffmpeg-run.js';
import { RemoteError } from './remote-http.js';

export async function labelVideo(video: Buffer, metadata: Record<string, string>): Promise<{ video: Buffer; poster: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-remote-'));
  try {
    const input = join(dir, 'in.mp4');
    const output = join(dir, 'out.mp4');
    writeFileSync(input, video);
    const tags = Object.entries(metadata).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]);
    try {
      await runFfmpeg(['-i', input, '-map', '0', '-c', 'copy', '-map_metadata', '-1', ...tags, '-movflags', '+faststart+use_metadata_tags', '-f', 'mp4', output]);
      const poster = await runFfmpeg(['-i', input, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1']);
      return { video: readFileSync(output), poster };
    } catch (err) {
      // The remote said it finished but what it sent is not a video: worth another attempt, and visible in the task.
      throw new RemoteError(`the remote's video could not be read (${(err as Error).message.slice(0, 200)})`, undefined, true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
