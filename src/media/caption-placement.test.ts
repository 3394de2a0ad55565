import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeVideo } from '../engine/video.js';
import { captionPosition, choosePosition, subjectRows } from './caption-placement.js';

const dir = mkdtempSync(join(tmpdir(), 'kineo-caption-place-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZES = { '9:16': [64, 112], '1:1': [64, 64], '16:9': [112, 64] } as const;

/** A clip of the aspect (the model's sizes) of a grey sky with a white 12-pixel square crossing it with its top at
 * `at` × the height (or none). */
async function clip(aspect: keyof typeof SIZES, name: string, at: number | null): Promise<string> {
  const [width, height] = SIZES[aspect];
  const frames = 16;
  const data = new Uint8Array(frames * height * width * 3).fill(90);
  if (at !== null) {
    const y = Math.round(at * height);
    for (let f = 0; f < frames; f++) {
      const x0 = 2 + f * 3;
      for (let yy = y; yy < y + 12; yy++) for (let xx = x0; xx < x0 + 12; xx++) data.fill(250, ((f * height + yy) * width + xx) * 3, ((f * height + yy) * width + xx) * 3 + 3);
    }
  }
  const path = join(dir, `${name}-${aspect.replace(':', 'x')}.mp4`);
  await encodeVideo({ frames, height, width, data }, { path, format: 'mp4', fps: 8, metadata: {} });
  return path;
}

describe('where an ad caption goes', () => {
  it('moves the caption to the top when the subject crosses the bottom, and keeps it at the bottom otherwise', async () => {
    const caption = 'Sunny Soda — cold and fizzy';
    for (const aspect of ['9:16', '1:1', '16:9'] as const) {
      expect(await captionPosition(await clip(aspect, 'low', 0.72), caption, aspect)).toBe('top');
      expect(await captionPosition(await clip(aspect, 'high', 0.06), caption, aspect)).toBe('bottom');
      expect(await captionPosition(await clip(aspect, 'empty', null), caption, aspect)).toBe('bottom');
      // a square clip in a tall frame sits between two bands of blurred fill: its subject is under neither
      if (aspect === '9:16') expect(await captionPosition(await clip('1:1', 'low-square', 0.72), caption, aspect)).toBe('bottom');
    }
  });

  it('counts a still subject by its edges and a moving one by its motion', () => {
    const w = 10, h = 10, n = 5;
    const still = new Uint8Array(n * w * h).fill(50);
    for (let t = 0; t < n; t++) for (let x = 2; x < 6; x++) still[t * w * h + 8 * w + x] = 200; // a still bar on row 8
    const rows = subjectRows(still, n, w, h);
    expect(rows[8]! + rows[7]!).toBeGreaterThan(10 * (rows[1]! + rows[2]! + 1e-9));
    const moving = new Uint8Array(n * w * h).fill(50);
    for (let t = 0; t < n; t++) moving[t * w * h + 1 * w + t * 2] = 250; // a dot crossing row 1
    const mrows = subjectRows(moving, n, w, h);
    expect(mrows[1]).toBeGreaterThan(mrows[5]!);
    // a uniform frame has no subject anywhere: the caption stays at the bottom
    expect(choosePosition(new Float64Array(80), 'x', '9:16')).toBe('bottom');
  });
});
