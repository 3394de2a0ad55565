/**
 * The font that captions and title cards are drawn with: DejaVu Sans from the `dejavu-fonts-ttf` package (the
 * Bitstream Vera / DejaVu licence, permissive), so that `npm install` brings it and no system font is needed.
 * KINEO_FONT overrides it (a TTF/OTF path), e.g. for scripts DejaVu lacks such as Chinese.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export type FontWeight = 'regular' | 'bold';

export function captionFont(weight: FontWeight = 'bold'): string {
  const override = process.env.KINEO_FONT;
  if (override) {
    if (!existsSync(override)) throw new Error(`KINEO_FONT points at ${override}, which does not exist`);
    return override;
  }
  const root = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
  return join(root, 'ttf', weight === 'bold' ? 'DejaVuSans-Bold.ttf' : 'DejaVuSans.ttf');
}

/** How to draw arbitrary user text with drawtext: write it to a file and pass `textfile=` with `expansion=none`
 * (no escaping pitfalls: colons, quotes, percent signs and newlines are drawn as they are). */
export const DRAWTEXT_SAFE_TEXT = 'textfile=<path>:expansion=none';
