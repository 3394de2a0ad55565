import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ffmpegPath } from '../engine/ffmpeg.js';
import { checkImage, fitImage, ImageInputError, probeImage } from './image.js';

/** A test picture drawn by the real ffmpeg in the given format and size. */
function draw(name: string, size: string, extra: string[] = []): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-image-'));
  try {
    const path = join(dir, name);
    const run = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}`, '-frames:v', '1', ...extra, path]);
    expect(run.status, String(run.stderr)).toBe(0);
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

describe('recognising a picture from its header', () => {
  it('reads the format and size of PNG, JPEG and lossy and lossless WebP files', () => {
    expect(probeImage(draw('a.png', '320x180'))).toEqual({ format: 'png', width: 320, height: 180 });
    expect(probeImage(draw('a.jpg', '90x160'))).toEqual({ format: 'jpeg', width: 90, height: 160 });
    expect(probeImage(draw('a.webp', '200x100'))).toEqual({ format: 'webp', width: 200, height: 100 });
    expect(probeImage(draw('b.webp', '30x20', ['-lossless', '1']))).toEqual({ format: 'webp', width: 30, height: 20 });
  });

  it('refuses what is not a picture, and a damaged header, as image_invalid', () => {
    for (const bytes of [new TextEncoder().encode('GIF89a not for us'), new Uint8Array(0), Uint8Array.from([0xff, 0xd8, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08])]) {
      expect(() => probeImage(bytes)).toThrow(ImageInputError);
      expect(() => probeImage(bytes)).toThrow(expect.objectContaining({ code: 'image_invalid' }));
    }
  });

  it('refuses a picture over the limits before decoding it', () => {
    // a PNG header that claims 100 000 × 100 000 pixels: refused from the header, never decoded
    const bomb = Buffer.from(draw('a.png', '16x16'));
    bomb.writeUInt32BE(100_000, 16);
    bomb.writeUInt32BE(100_000, 20);
    expect(() => checkImage(bomb)).toThrow(/100000×100000 pixels; the most we take is 40 megapixels/);
    expect(() => checkImage(new Uint8Array(2048), { maxBytes: 1024, maxPixels: 1e6 })).toThrow(expect.objectContaining({ code: 'image_too_large' }));
  });
});

describe('fitting a picture to the model', () => {
  it('centre-crops to the aspect and scales, so a wide picture keeps its middle', async () => {
    // left third red, middle green, right third blue: a square crop of it is all green
    const png = new PNG({ width: 300, height: 100 });
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 300; x++) {
        const i = (y * 300 + x) * 4;
        png.data[i] = x < 100 ? 255 : 0;
        png.data[i + 1] = x >= 100 && x < 200 ? 255 : 0;
        png.data[i + 2] = x >= 200 ? 255 : 0;
        png.data[i + 3] = 255;
      }
    }
    const fitted = await fitImage(PNG.sync.write(png), 64, 64);
    expect(fitted).toMatchObject({ width: 64, height: 64 });
    expect(fitted.data).toHaveLength(64 * 64 * 3);
    const centre = (32 * 64 + 32) * 3;
    expect([...fitted.data.subarray(centre, centre + 3)]).toEqual([0, 255, 0]);
    const corner = [...fitted.data.subarray(0, 3)];
    expect(corner[1]).toBeGreaterThan(200);
  });

  it('decodes WebP and JPEG too', async () => {
    for (const name of ['a.webp', 'a.jpg']) {
      const fitted = await fitImage(draw(name, '128x72'), 32, 48);
      expect(fitted).toMatchObject({ width: 32, height: 48 });
      expect(fitted.data).toHaveLength(32 * 48 * 3);
    }
  });
});
