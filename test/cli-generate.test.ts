import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ffmpegPath, ffprobePath } from '../src/engine/ffmpeg.js';
import { generatorFor } from '../src/cli/eval.js';
import { kineo, REPO_ROOT } from './cli-helpers.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
const TINY = join(FIXTURES, 'tiny-model');

function probe(path: string) {
  const out = spawnSync(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
  return JSON.parse(out.stdout);
}

describe('kineo generate', () => {
  it('writes an H.264 MP4 of the model\'s 16 frames at 8 fps, labelled as AI-generated, plus a poster', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-generate-'));
    try {
      const out = join(dir, 'clip.mp4');
      const poster = join(dir, 'poster.png');
      const run = kineo(['generate', 'a glorp cat bounces on the beach', '-o', out, '--model', TINY, '--seed', '42', '--steps', '3', '--size', '96', '--poster', poster]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/seed 42/);
      expect(run.stderr).toMatch(/does not know these words.*glorp/);
      expect(run.stdout).toMatch(/clip\.mp4: 16 frames at 8 fps/);
      const info = probe(out);
      const video = info.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
      expect(video).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 96, height: 96, nb_read_frames: '16', avg_frame_rate: '8/1' });
      expect(info.format.tags).toMatchObject({ ai_generated: 'true', model: 'kineo-tiny', model_version: 'test', seed: '42', title: 'a glorp cat bounces on the beach' });
      expect(info.format.tags.comment).toMatch(/^AI-generated video: made by kineo-tiny test/);
      expect(info.format.tags.request_id).toMatch(/^[0-9a-f-]{36}$/);
      const png = PNG.sync.read(readFileSync(poster));
      expect([png.width, png.height]).toEqual([96, 96]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('prints one JSON object with --json, the prompt\'s reading in it, and the same seed gives the same video', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-generate-'));
    try {
      const runs = ['a.gif', 'b.gif'].map((name) => kineo(['generate', '一只小狗向左跑 🐶', '-o', join(dir, name), '--model', TINY, '--seed', '5', '--steps', '2', '--cfg', '3', '--scheduler', 'heun', '--json']));
      for (const run of runs) expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(runs[0]!.stdout);
      expect(result).toMatchObject({ format: 'gif', model: 'kineo-tiny', seed: 5, steps: 2, guidance: 3, scheduler: 'heun', frames: 16, fps: 8, width: 64, height: 64, unknown_words: ['🐶'] });
      expect(result.reading).toMatchObject({ caption: 'A dog moves left', concepts: { object: 'dog', count: 1, motion: 'left' }, unused: ['🐶'], usable: true });
      expect(result.timings_ms.total).toBeGreaterThan(0);
      expect(runs[0]!.stderr).not.toMatch(/█/);
      expect(readFileSync(join(dir, 'a.gif'))).toEqual(readFileSync(join(dir, 'b.gif')));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('fails with one sentence on a frame count the model cannot make, an unknown model or a bad extension', () => {
    const frames = kineo(['generate', 'a cat', '-o', join(tmpdir(), 'never.mp4'), '--model', TINY, '--frames', '600']);
    expect(frames.status).toBe(1);
    expect(frames.stderr).toMatch(/^kineo: kineo-tiny@test makes at most 480 frames \(60 s\) a clip/);
    const model = kineo(['generate', 'a cat', '-o', join(tmpdir(), 'never.mp4'), '--model', 'kineo-huge']);
    expect(model.status).toBe(1);
    expect(model.stderr).toMatch(/no model named "kineo-huge"/);
    expect(model.stderr).not.toMatch(/\n\s+at /);
    const ext = kineo(['generate', 'a cat', '-o', join(tmpdir(), 'never.avi'), '--model', TINY]);
    expect(ext.status).toBe(1);
    expect(ext.stderr).toMatch(/\.mp4, \.gif or \.webp/);
  });
});

describe('kineo generate with pictures and longer clips', () => {
  /** A test picture of any size and format, drawn by the real ffmpeg. */
  function picture(dir: string, name: string, size: string): string {
    const path = join(dir, name);
    const run = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}`, '-frames:v', '1', path]);
    expect(run.status, String(run.stderr)).toBe(0);
    return path;
  }

  it('starts from a JPEG, ends on a WebP, draws 5 seconds, then extends the result by 2 seconds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-generate-i2v-'));
    try {
      const first = picture(dir, 'first.jpg', '320x180');
      const last = picture(dir, 'last.webp', '90x160');
      const out = join(dir, 'five.mp4');
      const run = kineo(['generate', 'a cat moves left', '-o', out, '--model', TINY, '--seed', '3', '--steps', '2', '--image', first, '--last-image', last, '--seconds', '5', '--json']);
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ frames: 40, seconds: 5, windows: 4, width: 64, height: 64, inputs: { image: first, last_image: last, extend: null } });
      const video = probe(out).streams.find((s: { codec_type: string }) => s.codec_type === 'video');
      expect(video).toMatchObject({ nb_read_frames: '40', avg_frame_rate: '8/1', width: 64, height: 64 });
      const longer = join(dir, 'seven.mp4');
      const ext = kineo(['generate', 'a cat moves left', '-o', longer, '--model', TINY, '--steps', '2', '--extend', out, '--seconds', '2']);
      expect(ext.status, ext.stderr).toBe(0);
      expect(ext.stdout).toMatch(/seven\.mp4: 56 frames at 8 fps/);
      expect(probe(longer).streams[0]).toMatchObject({ nb_read_frames: '56' });
    } finally {
      rmSync(dir, { recursive: true });
    }
  }, 180_000); // four CLI runs with ffmpeg: ~30 s on an idle 2-core machine

  it('refuses a file that is not a picture and an aspect the model does not draw with one sentence, and draws the ones it does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-generate-i2v-'));
    try {
      const bogus = join(dir, 'not-a-picture.png');
      writeFileSync(bogus, 'hello, I am text');
      const bad = kineo(['generate', 'a cat', '-o', join(dir, 'x.mp4'), '--model', TINY, '--image', bogus]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/^kineo: the picture is not a PNG, JPEG or WebP file we can read/);
      const aspect = kineo(['generate', 'a cat', '-o', join(dir, 'x.mp4'), '--model', TINY, '--aspect', '4:3']);
      expect(aspect.status).toBe(1);
      expect(aspect.stderr).toMatch(/draws 1:1, 16:9, 9:16; --aspect 4:3 is not one of them/);
      const wide = kineo(['generate', 'a cat', '-o', join(dir, 'wide.mp4'), '--model', TINY, '--aspect', '16:9', '--seconds', '3', '--steps', '2', '--json']);
      expect(wide.status, wide.stderr).toBe(0);
      expect(JSON.parse(wide.stdout)).toMatchObject({ width: 112, height: 64, aspect: '16:9', frames: 24 });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('kineo models', () => {
  it('lists the fixture model when KINEO_MODELS_DIR points at it', () => {
    const run = kineo(['models', '--json'], { KINEO_MODELS_DIR: FIXTURES });
    expect(run.status, run.stderr).toBe(0);
    const models = JSON.parse(run.stdout);
    expect(models).toContainEqual(expect.objectContaining({ name: 'kineo-tiny', version: 'test', dir: TINY, frames: 16, fps: 8, width: 64, height: 64, inputs: { image: true, lastImage: true, extend: true, long: true } }));
  });
});

describe('the eval generator for a model', () => {
  it('runs the pipeline and hands the judge 16×64×64 clips', async () => {
    const generator = await generatorFor(TINY, { steps: 2, cfg: 2, threads: 1 });
    expect(generator.name).toBe('kineo-tiny@test');
    const clip = await generator.generate('a cat bounces on the beach', 9);
    expect(clip).toMatchObject({ frames: 16, height: 64, width: 64 });
    expect(clip.data).toHaveLength(16 * 64 * 64 * 3);
  });

  it('gives a model its start and end pictures and measures them against its own round trip', async () => {
    const generator = await generatorFor(TINY, { steps: 2, threads: 1 });
    const still = (v: number) => ({ data: new Uint8Array(64 * 64 * 3).fill(v), frames: 1, height: 64, width: 64 });
    const clip = await generator.generate('a cat bounces on the beach', 9, { first: still(40), last: still(200) });
    expect(clip.frames).toBe(16);
    const roundTrip = await generator.roundTrip!(still(40));
    expect(roundTrip).toMatchObject({ frames: 1, height: 64, width: 64 });
  });
});
