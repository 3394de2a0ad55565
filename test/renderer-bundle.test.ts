/**
 * The renderer bundle (scripts/bundle-renderer.mjs) is how training data is made on a machine with a bare `node`
 * (a lent GPU): it must draw exactly the frames and captions `kineo world data` draws.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { kineo, REPO_ROOT } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kineo-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the bundled renderer writes byte-identical shards to kineo world data', () => {
  const bundle = join(dir, 'renderer');
  const built = spawnSync(process.execPath, ['scripts/bundle-renderer.mjs', bundle], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  // with --coverage: the object-weighted training reads the sprite coverage files too
  const args = ['--split', 'train', '--clips', '24', '--seed', '9', '--shard-size', '10', '--workers', '2', '--coverage'];
  const fromBundle = spawnSync(process.execPath, [join(bundle, 'world-data.mjs'), '--out', join(dir, 'a'), ...args], { encoding: 'utf8' });
  expect(fromBundle.status, fromBundle.stderr).toBe(0);
  const fromCli = kineo(['world', 'data', '--out', join(dir, 'b'), ...args]);
  expect(fromCli.status, fromCli.stderr).toBe(0);
  const files = readdirSync(join(dir, 'a')).filter((f) => f.endsWith('.u8') || f.endsWith('.jsonl')).sort();
  expect(files).toEqual([0, 1, 2].flatMap((i) => [`shard-0000${i}.cov.u8`, `shard-0000${i}.jsonl`, `shard-0000${i}.u8`]));
  for (const f of files) expect(readFileSync(join(dir, 'a', f)).equals(readFileSync(join(dir, 'b', f))), f).toBe(true);
});
