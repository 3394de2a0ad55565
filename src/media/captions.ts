/**
 * Ad captions: the text of each variant (the product name and one selling point), wrapped to the frame, drawn with
 * ffmpeg drawtext in the bundled font (each line from its own text file with expansion=none, so no user text is
 * ever parsed by ffmpeg), and the same text as SubRip subtitles.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRAME_SIZES, type AspectRatio } from './aspect.js';
import { captionFont } from './font.js';
import { wrapText } from './wrap.js';

/** The caption of variant `index`: name — selling point, the points taken in turn (`round` shifts the turn). */
export function adCaption(name: string, sellingPoints: readonly string[], index: number, round = 0): string {
  const n = name.trim();
  if (!sellingPoints.length) return n;
  const point = sellingPoints[(index + round) % sellingPoints.length]!.trim();
  return point ? `${n} — ${point}` : n;
}

/** The caption layout of a frame: font size, characters per line, lines, and where the block sits. */
export function captionLayout(aspect: AspectRatio) {
  const { width, height } = FRAME_SIZES[aspect];
  const fontSize = Math.round(Math.min(width, height) * 0.062);
  // DejaVu Sans Bold averages ~0.62 em per character; keep 6 % side margins.
  const maxChars = Math.max(8, Math.floor((width * 0.88) / (fontSize * 0.62)));
  const lineHeight = Math.round(fontSize * 1.45);
  // Vertical video keeps clear of the bottom ~12 % where platforms draw their own buttons and text.
  const bottom = Math.round(height * (aspect === '9:16' ? 0.14 : 0.08));
  // ...and of the top ~10 % where they put the account name and the close button
  const top = Math.round(height * (aspect === '9:16' ? 0.1 : 0.06));
  return { width, height, fontSize, maxChars, maxLines: 3, lineHeight, bottom, top };
}

/** Escapes a value for a filter option, then for the filter graph (ffmpeg's two quoting levels). */
export function filterValue(value: string): string {
  const option = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** Where a caption's block sits: near the bottom (the default, where viewers look for it) or near the top. */
export type CaptionPosition = 'bottom' | 'top';

/** The rows (y0 inclusive, y1 exclusive, in the frame of `aspect`) the caption's block covers at `position`. */
export function captionBand(caption: string, aspect: AspectRatio, position: CaptionPosition = 'bottom'): { y0: number; y1: number; lines: string[] } {
  const l = captionLayout(aspect);
  const lines = wrapText(caption, l.maxChars, l.maxLines);
  const pad = Math.round(l.fontSize * 0.3);
  const top = position === 'top' ? l.top : l.height - l.bottom - lines.length * l.lineHeight;
  return { y0: Math.max(0, top - pad), y1: Math.min(l.height, top + lines.length * l.lineHeight + pad), lines };
}

/**
 * drawtext filters (joined with commas) that burn `caption` into a frame of `aspect`, one centred line each on a
 * translucent box, at `position`. The lines are written to files in `dir` named `<prefix>-<n>.txt`.
 */
export function burnCaptionFilters(caption: string, aspect: AspectRatio, dir: string, prefix: string, position: CaptionPosition = 'bottom'): string {
  const l = captionLayout(aspect);
  const lines = wrapText(caption, l.maxChars, l.maxLines);
  if (!lines.length) return 'null';
  const font = filterValue(captionFont('bold'));
  return lines.map((line, i) => {
    const file = join(dir, `${prefix}-${i}.txt`);
    writeFileSync(file, line, 'utf8');
    const y = position === 'top' ? l.top + i * l.lineHeight : l.height - l.bottom - (lines.length - i) * l.lineHeight;
    return `drawtext=fontfile=${font}:textfile=${filterValue(file)}:expansion=none:fontsize=${l.fontSize}:fontcolor=white`
      + `:box=1:boxcolor=black@0.55:boxborderw=${Math.round(l.fontSize * 0.3)}:x=(w-text_w)/2:y=${y}`;
  }).join(',');
}

const srtTime = (s: number) => {
  const ms = Math.round(s * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
};

/** The caption as one SubRip cue over the whole clip, wrapped like the burned-in text. */
export function srtFor(caption: string, aspect: AspectRatio, seconds: number): string {
  const l = captionLayout(aspect);
  const lines = wrapText(caption, l.maxChars, 2);
  return `1\n${srtTime(0)} --> ${srtTime(seconds)}\n${lines.join('\n')}\n`;
}
