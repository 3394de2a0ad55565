import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { studioStale } from './web.js';

const root = mkdtempSync(join(tmpdir(), 'kineo-web-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('a studio build is stale once any of its sources is newer than dist/index.html', () => {
  mkdirSync(join(root, 'src', 'pages'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  const page = join(root, 'src', 'pages', 'Feed.tsx');
  const index = join(root, 'dist', 'index.html');
  writeFileSync(page, 'export {};');
  writeFileSync(index, '<!doctype html>');
  utimesSync(page, new Date(1_000_000), new Date(1_000_000));
  utimesSync(index, new Date(2_000_000), new Date(2_000_000));
  expect(studioStale(root)).toBe(false);
  utimesSync(page, new Date(3_000_000), new Date(3_000_000)); // edited (or pulled) after the build
  expect(studioStale(root)).toBe(true);
  rmSync(index);
  expect(studioStale(root)).toBe(false); // missing is not stale: ensureStudioBuilt builds it anyway
});
