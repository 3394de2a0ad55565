import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../engine/ffmpeg.js';
import { probeMp4 } from '../../../test/server/media-probe.js';
import { labelVideo } from './remote-media.js';
import { RemoteError } from './remote-http.js';

const dir = mkdtempSync(join(tmpdir(), 'kineo-label-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real clip from ffmpeg's test pattern, as a remote would send it. */
function clip(name: string, codec: string[], size = '96x64'): Buffer {
  const path = join(dir, name);
  const r = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=8`, '-frames:v', '12', ...codec, path]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  return readFileSync(path);
}

const tags = { ai_generated: 'true', generator: 'kineo', comment: 'AI-generated video: made by wan 2.2 (Kineo)', title: 'a cat' };

describe('labelVideo', () => {
  it('relabels an MP4 without re-encoding and returns its first frame as the poster', async () => {
    const input = clip('in.mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-metadata', 'comment=made elsewhere']);
    const { video, poster } = await labelVideo(input, tags);
    const probed = probeMp4(video);
    expect(probed).toMatchObject({ width: 96, height: 64, frames: 12 });
    expect(probed.tags).toMatchObject({ ai_generated: 'true', generator: 'kineo', title: 'a cat' });
    expect(probed.tags.comment).toMatch(/^AI-generated/); // the remote's own tags are dropped, not merged
    const png = PNG.sync.read(poster);
    expect([png.width, png.height]).toEqual([96, 64]);
  });

  it('transcodes a WebM to an H.264 MP4 (even sides) with the same labels', async () => {
    const input = clip('in.webm', ['-c:v', 'libvpx', '-b:v', '200k'], '95x63');
    const { video, poster } = await labelVideo(input, tags, { transcode: true });
    const probed = probeMp4(video);
    expect(probed).toMatchObject({ width: 94, height: 62, frames: 12 });
    expect(probed.tags.ai_generated).toBe('true');
    expect(PNG.sync.read(poster).width).toBe(95);
  });

  it('a file that is not a video is a retryable remote failure, with ffmpeg\'s reason', async () => {
    const err = await labelVideo(Buffer.from('<html>502 Bad Gateway</html>'), tags).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/could not be read/);
  });
});
