import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCaption } from '../world/index.js';
import { KineoPipeline } from '../engine/pipeline.js';
import { runFfmpeg } from '../media/ffmpeg-run.js';
import { measuredCameraMove, phaseShift } from './phase-correlation.js';
import { evaluatePhotos, findPictures } from './photos.js';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/tiny-model/', import.meta.url));

describe('phase correlation', () => {
  it('reads the camera move of the world\'s own clips, and none in a still clip', () => {
    const asked = { 'the camera pans left': 'pan_left', 'the camera pans right': 'pan_right', 'the camera tilts up': 'tilt_up', 'the camera tilts down': 'tilt_down' } as const;
    for (const [words, move] of Object.entries(asked)) {
      for (const seed of [1, 2]) {
        const { clip } = renderCaption(`a cat on the beach, ${words}`, seed, { frames: 16, height: 64, width: 64 });
        expect(measuredCameraMove(clip).move).toBe(move);
      }
    }
    const still = renderCaption('a cat on the beach', 1, { frames: 16, height: 64, width: 64 }).clip;
    expect(measuredCameraMove(still).move).toBeNull();
  });

  it('measures a known translation to a fraction of a pixel', () => {
    // a smooth pattern shifted by (3, -2) pixels between two frames
    const w = 64;
    const data = new Uint8Array(2 * w * w * 3);
    const value = (x: number, y: number) => 128 + 60 * Math.sin(x / 5) * Math.cos(y / 7) + 40 * Math.sin((x + y) / 11);
    for (let f = 0; f < 2; f++) for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
      const v = Math.round(value(x - 3 * f, y + 2 * f));
      data.fill(v, ((f * w + y) * w + x) * 3, ((f * w + y) * w + x) * 3 + 3);
    }
    const s = phaseShift({ data, frames: 2, height: w, width: w }, 0, 1);
    expect(s.dx).toBeCloseTo(3, 0);
    expect(s.dy).toBeCloseTo(-2, 0);
  });
});

describe('image-to-video on pictures the world never drew', () => {
  let dir: string;
  let pipeline: KineoPipeline;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kineo-photos-'));
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', join(dir, 'test-card.png')]);
    writeFileSync(join(dir, 'notes.txt'), 'not a picture');
    writeFileSync(join(dir, 'broken.jpg'), 'not a jpeg either');
    pipeline = await KineoPipeline.load(FIXTURE, { threads: 1 });
  });
  afterAll(async () => {
    await pipeline.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each picture as frame 0 with a camera prompt, scores frame 0 against the round trip and skips what it cannot read', async () => {
    const pictures = findPictures([dir]);
    expect(pictures.map((p) => p.slice(dir.length + 1))).toEqual(['broken.jpg', 'test-card.png']);
    const report = await evaluatePhotos({ pipeline, pictures, moves: ['pan_left', 'tilt_up'], steps: 2, aspect: '16:9' });
    expect(report).toMatchObject({ pictures: 1, clips: 2, aspect: '16:9' });
    expect(report.skipped).toEqual([{ picture: join(dir, 'broken.jpg'), reason: expect.stringMatching(/not a PNG, JPEG or WebP/) }]);
    expect(report.cases.map((c) => c.prompt)).toEqual(['the camera pans left', 'the camera tilts up']);
    // frame 0 is the encoded picture held at timestep 0: the decoded clip starts where the round trip does
    for (const c of report.cases) expect(Math.abs(c.first_psnr - c.roundtrip_psnr)).toBeLessThan(1);
    expect(report.first_frame.within_1db).toBe(1);
  });
});
