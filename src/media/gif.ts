/** An MP4 → a looping GIF with its own palette (gallery previews). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from './ffmpeg-run.js';

export async function mp4ToGif(mp4: Buffer): Promise<Buffer> {
  // MP4 needs a seekable input (its index may sit at either end), so it goes through a temporary file.
  const dir = mkdtempSync(join(tmpdir(), 'kineo-gif-'));
  try {
    const input = join(dir, 'in.mp4');
    writeFileSync(input, mp4);
    return await runFfmpeg(['-i', input, '-vf', 'split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a', '-loop', '0', '-f', 'gif', 'pipe:1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
