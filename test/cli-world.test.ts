import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffprobePath } from '../src/engine/ffmpeg.js';
import { kineo, REPO_ROOT } from './cli-helpers.js';

function probe(path: string) {
  const out = spawnSync(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
  return JSON.parse(out.stdout);
}

describe('kineo world preview', () => {
  it('renders the ground truth of a caption to an MP4 that ffprobe reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-preview-'));
    try {
      const out = join(dir, 'clip.mp4');
      const run = kineo(['world', 'preview', 'a cat bounces on the beach', '-o', out, '--size', '128']);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('"motion":"bounce"');
      const info = probe(out);
      const video = info.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
      expect(video).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 128, height: 128, nb_read_frames: '16', avg_frame_rate: '8/1' });
      expect(info.format.tags.comment).toContain('kineo world ground truth');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('warns about words it does not know and fails clearly on a caption with no object', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-preview-'));
    try {
      const warned = kineo(['world', 'preview', 'a shiny purple cat spins at night', '-o', join(dir, 'a.gif'), '--size', '32', '--frames', '4']);
      expect(warned.status, warned.stderr).toBe(0);
      expect(warned.stderr).toContain('does not know these words');
      expect(warned.stderr).toContain('purple');
      const failed = kineo(['world', 'preview', 'something purple', '-o', join(dir, 'b.mp4')]);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(/names no object/);
      const badFormat = kineo(['world', 'preview', 'a cat spins at night', '-o', join(dir, 'c.avi')]);
      expect(badFormat.status).toBe(1);
      expect(badFormat.stderr).toMatch(/\.mp4, \.gif or \.webp/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('rejects bad numbers with a sentence, not a stack trace', () => {
    const run = kineo(['world', 'data', '--out', join(REPO_ROOT, 'tmp', 'never'), '--clips', 'lots']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/expected a whole number/);
  });
});

describe('the Python test runner', () => {
  it('skips with an install hint when torch is missing, and fails instead when CI requires the tests', () => {
    const script = join(REPO_ROOT, 'scripts', 'test-python.mjs');
    const skip = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, KINEO_PYTHON: '/nonexistent/python3', KINEO_REQUIRE_PYTHON_TESTS: '' } });
    expect(skip.status).toBe(0);
    expect(skip.stderr).toMatch(/SKIPPED.*apt-get install -y python3-torch/);
    const fail = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, KINEO_PYTHON: '/nonexistent/python3', KINEO_REQUIRE_PYTHON_TESTS: '1' } });
    expect(fail.status).toBe(1);
    expect(fail.stderr).toMatch(/a skip is a failure/);
  });
});
