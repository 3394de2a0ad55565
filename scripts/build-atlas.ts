/**
 * Rasterizes the world's sprites from the Apache-2.0 Noto emoji set into one PNG atlas + JSON index.
 * The atlas is committed; this script (and its dev dependencies) only run when the sprite list changes:
 *   npm run world:atlas
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import { SPRITE_SOURCES, ATLAS_CELL } from '../src/world/atlas/sprites-source.js';

const require = createRequire(import.meta.url);
const iconSet = JSON.parse(readFileSync(require.resolve('@iconify-json/noto/icons.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(require.resolve('@iconify-json/noto/package.json'), 'utf8'));

const entries = [...SPRITE_SOURCES.classes.map((c) => ({ ...c, kind: 'class' as const })),
  ...SPRITE_SOURCES.extras.map((c) => ({ ...c, kind: 'extra' as const }))];
const columns = 8;
const rows = Math.ceil(entries.length / columns);
const atlas = new PNG({ width: columns * ATLAS_CELL, height: rows * ATLAS_CELL });
atlas.data.fill(0);

const index = entries.map((entry, i) => {
  const icon = iconSet.icons[entry.icon];
  if (!icon) throw new Error(`icon "${entry.icon}" is not in @iconify-json/noto`);
  const w = icon.width ?? iconSet.width ?? 128;
  const h = icon.height ?? iconSet.height ?? 128;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${icon.left ?? 0} ${icon.top ?? 0} ${w} ${h}">${icon.body}</svg>`;
  const png = PNG.sync.read(new Resvg(svg, { fitTo: { mode: 'width', value: ATLAS_CELL } }).render().asPng());
  const x = (i % columns) * ATLAS_CELL;
  const y = Math.floor(i / columns) * ATLAS_CELL;
  PNG.bitblt(png, atlas, 0, 0, Math.min(png.width, ATLAS_CELL), Math.min(png.height, ATLAS_CELL), x, y);
  return { name: entry.name, icon: entry.icon, kind: entry.kind, x, y };
});

const outDir = new URL('../src/world/atlas/', import.meta.url);
writeFileSync(new URL('atlas.png', outDir), PNG.sync.write(atlas));
writeFileSync(new URL('atlas.json', outDir), JSON.stringify({
  cell: ATLAS_CELL,
  width: atlas.width,
  height: atlas.height,
  source: `${pkg.name}@${pkg.version} (Noto Emoji by Google)`,
  license: 'Apache-2.0',
  licenseUrl: 'https://github.com/googlefonts/noto-emoji/blob/main/LICENSE',
  sprites: index,
}, null, 2) + '\n');
console.log(`atlas: ${index.length} sprites, ${atlas.width}x${atlas.height}`);
