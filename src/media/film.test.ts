import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ffprobePath } from '../engine/ffmpeg.js';
import { encodeVideo } from '../engine/video.js';
import { buildFilm, decodeClip } from './film.js';
import { layoutTitle, renderTitleCard, wrapText } from './title-card.js';

const dir = mkdtempSync(join(tmpdir(), 'kineo-film-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 16-frame 32×32 clip of one grey level that brightens frame by frame. */
async function clip(name: string, base: number): Promise<string> {
  const w = 32, h = 32, frames = 16;
  const data = new Uint8Array(w * h * 3 * frames);
  for (let f = 0; f < frames; f++) data.fill(base + f * 4, f * w * h * 3, (f + 1) * w * h * 3);
  const path = join(dir, name);
  await encodeVideo({ data, frames, width: w, height: h } as never, { path, format: 'mp4', fps: 8 });
  return path;
}

describe('title cards and films', () => {
  it('wraps a title into at most three lines, cutting what does not fit with an ellipsis', () => {
    expect(wrapText('The  fox and the   hound', 10, 3)).toEqual(['The fox', 'and the', 'hound']);
    expect(wrapText('aaaaaaaaaaaaaaa', 6, 3)).toEqual(['aaaaaa', 'aaaaaa', 'aaa']);
    expect(wrapText('one two three four five six seven', 5, 2)).toEqual(['one', 'two…']);
    const layout = layoutTitle('A very long storyboard title that keeps going on and on for a while', 256, 256);
    expect(layout.lines.length).toBeLessThanOrEqual(3);
    expect(layout.fontSize).toBeGreaterThanOrEqual(10);
  });

  it('draws a title with quotes, colons and percent signs as typed (bright pixels on a dark card)', async () => {
    const frame = await renderTitleCard({ title: `It's 100%: "fox" \\ the end`, width: 128, height: 72 });
    expect(frame.length).toBe(128 * 72 * 3);
    let bright = 0;
    for (let i = 0; i < frame.length; i += 3) if (frame[i]! > 200) bright++;
    expect(bright).toBeGreaterThan(50);
    expect(frame[0]).toBeLessThan(40); // the corner is background
  });

  it('builds a labelled MP4 of title + shots − overlaps frames', async () => {
    const a = await clip('a.mp4', 20);
    const b = await clip('b.mp4', 150);
    expect((await decodeClip(a, { width: 32, height: 32 })).length).toBe(16);
    const film = await buildFilm({
      title: 'Two shots', titleFrames: 8, fps: 8, width: 32, height: 32, transitionFrames: 4,
      shots: [{ clipPath: a, frames: 24, fill: 'pingpong', transition: 'crossfade' }, { clipPath: b, frames: 8, fill: 'loop', transition: 'fade_black' }],
      metadata: { title: 'Two shots', ai_generated: 'true', comment: 'AI-generated video' },
    });
    expect(film.frames).toBe(8 + 24 + 8 - 4);
    const path = join(dir, 'film.mp4');
    writeFileSync(path, film.video);
    const probe = JSON.parse(spawnSync(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' }).stdout);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 32, height: 32, nb_read_frames: '36' });
    expect(probe.format.tags).toMatchObject({ ai_generated: 'true', title: 'Two shots' });
    expect(film.poster.subarray(1, 4).toString()).toBe('PNG');
  });
});
