/** ffprobe for tests: what a delivered MP4 is (duration, frame size, tags). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ffprobePath } from '../../src/engine/ffmpeg.js';

export interface Probed {
  width: number;
  height: number;
  /** Seconds, from the video stream. */
  duration: number;
  frames: number;
  tags: Record<string, string>;
}

export function probeMp4(bytes: Uint8Array): Probed {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-probe-'));
  try {
    const path = join(dir, 'v.mp4');
    writeFileSync(path, bytes);
    const out = spawnSync(ffprobePath(), ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
    const j = JSON.parse(out.stdout) as { streams: { width: number; height: number; duration: string; nb_read_frames: string }[]; format: { tags?: Record<string, string> } };
    const s = j.streams[0]!;
    return { width: s.width, height: s.height, duration: Number(s.duration), frames: Number(s.nb_read_frames), tags: j.format.tags ?? {} };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A PNG of width × height: a coloured square on a plain background (something for the model to start from). */
export function testPng(width: number, height: number, rgb: [number, number, number] = [220, 40, 40]): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const inside = Math.abs(x - width / 2) < width / 6 && Math.abs(y - height / 2) < height / 6;
      png.data[i] = inside ? rgb[0] : 90;
      png.data[i + 1] = inside ? rgb[1] : 160;
      png.data[i + 2] = inside ? rgb[2] : 220;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** The first 33 bytes of a PNG whose header claims width × height (a decompression bomb, refused unread). */
export function pngHeader(width: number, height: number): Buffer {
  const real = testPng(4, 4);
  const b = Buffer.from(real);
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}
