/**
 * A film's title card: the title in the bundled font (src/media/font.ts), centred line by line on a dark
 * background, rendered once by ffmpeg's drawtext into one rgb24 frame. The text reaches ffmpeg through files
 * (`textfile=…:expansion=none`), so quotes, colons, percent signs and backslashes are drawn as typed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captionFont } from './font.js';
import { runFfmpeg } from './ffmpeg-run.js';
import { wrapText } from './wrap.js';

export { wrapText };

export interface TitleCardOptions {
  title: string;
  width: number;
  height: number;
  /** Background colour (ffmpeg colour syntax). */
  background?: string;
  color?: string;
}

export interface TitleLayout {
  lines: string[];
  fontSize: number;
}

/** Average advance of a DejaVu Sans Bold glyph in ems: enough to wrap without measuring. */
const EM_PER_CHAR = 0.62;
const MAX_LINES = 3;

/** The largest font size (down to a floor) at which the title fits in three lines inside 84 % of the width. */
export function layoutTitle(title: string, width: number, height: number): TitleLayout {
  const usable = width * 0.84;
  let fontSize = Math.max(8, Math.round(Math.min(width / 9, height / 5)));
  const floor = Math.max(8, Math.round(width / 24));
  for (;;) {
    const maxChars = Math.max(1, Math.floor(usable / (fontSize * EM_PER_CHAR)));
    const lines = wrapText(title, maxChars, MAX_LINES);
    const fits = wrapText(title, maxChars, 99).length <= MAX_LINES;
    if (fits || fontSize <= floor) return { lines, fontSize };
    fontSize = Math.max(floor, Math.round(fontSize * 0.85));
  }
}

/** The card as one rgb24 frame of width × height. */
export async function renderTitleCard(options: TitleCardOptions): Promise<Uint8Array> {
  const { width, height } = options;
  const { lines, fontSize } = layoutTitle(options.title, width, height);
  const dir = mkdtempSync(join(tmpdir(), 'kineo-title-'));
  try {
    const font = captionFont('bold');
    const lineHeight = Math.round(fontSize * 1.3);
    const top = Math.round((height - lines.length * lineHeight) / 2);
    const color = options.color ?? 'white';
    const filters = lines.map((line, i) => {
      const file = join(dir, `line-${i}.txt`);
      writeFileSync(file, line);
      // The filter graph's own escaping: a path is quoted; paths from mkdtemp hold no quote.
      return `drawtext=fontfile='${font}':textfile='${file}':expansion=none:fontsize=${fontSize}:fontcolor=${color}:x=(w-text_w)/2:y=${top + i * lineHeight}`;
    });
    const out = await runFfmpeg([
      '-f', 'lavfi', '-i', `color=c=${options.background ?? '0x12121c'}:s=${width}x${height}:r=1`,
      '-frames:v', '1', ...(filters.length ? ['-vf', filters.join(',')] : []),
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ]);
    if (out.length !== width * height * 3) throw new Error(`the title card came out ${out.length} bytes, not ${width * height * 3}`);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
