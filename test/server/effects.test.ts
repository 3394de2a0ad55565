/** The effect template catalog: listed with previews made once by the built-in model (a real task) and cached; a bad file stops the start. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createKineo } from '../../src/kineo.js';
import { DEFAULT_CATALOG_PATH, loadEffectCatalog } from '../../src/server/effects/catalog.js';
import { startServer, waitFor, type TestServer } from './helpers.js';

describe('effect templates', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ builtin: { preload: false }, workers: { builtin: 1, oracle: 0 } });
  });
  afterAll(async () => server?.stop());

  it('lists the catalog with preview URLs, covering Kling\'s effect_scene names', async () => {
    const res = await fetch(`${server.url}/api/effects`);
    expect(res.status).toBe(200);
    const body = await res.json() as { version: number; data: { id: string; effect: string; prompt_fragment: string; preview_url: string }[] };
    expect(body.version).toBe(1);
    expect(body.data.map((t) => t.id)).toEqual(expect.arrayContaining(['squish', 'expansion', 'fuzzyfuzzy', 'bloombloom', 'dizzydizzy', 'melt', 'explode']));
    expect(body.data.find((t) => t.id === 'expansion')).toMatchObject({ effect: 'inflate', prompt_fragment: 'inflates', preview_url: '/api/effects/expansion/preview.gif' });
  });

  it('renders a preview GIF once and serves it from the cache after', async () => {
    const ready = async () => ((await (await fetch(`${server.url}/api/effects`)).json()) as { data: { id: string; preview_ready: boolean }[] }).data.find((t) => t.id === 'melt')!.preview_ready;
    expect(await ready()).toBe(false);
    const first = await fetch(`${server.url}/api/effects/melt/preview.gif`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/gif');
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    const cached = readdirSync(join(server.dataDir, 'effects'));
    expect(cached).toHaveLength(1);
    const again = Buffer.from(await (await fetch(`${server.url}/api/effects/melt/preview.gif`)).arrayBuffer());
    expect(again.equals(bytes)).toBe(true);
    expect(readdirSync(join(server.dataDir, 'effects'))).toEqual(cached);
    expect((await fetch(`${server.url}/api/effects/nope/preview.gif`)).status).toBe(404);
    expect(await ready()).toBe(true);
  });

  // Once (embedded): the previews are ordinary tasks, whose scale-out path the rest of the suite covers; 25 s saved.
  it.skipIf(process.env.KINEO_TEST_BACKENDS === 'scale')('draws every missing preview at start, one at a time, and none again on the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kineo-prerender-'));
    const overrides = { builtin: { preload: false }, workers: { builtin: 1, oracle: 0 }, effects: { prerender: true } };
    const readiness = async (s: TestServer) => ((await (await fetch(`${s.url}/api/effects`)).json()) as { data: { preview_ready: boolean }[] }).data.map((t) => t.preview_ready);
    const first = await startServer(overrides, { dataDir, keep: true });
    let drawn: string[];
    try {
      // Nobody asks for a GIF: the server draws them by itself.
      await waitFor(async () => (await readiness(first)).every(Boolean), 180_000, 200);
      drawn = readdirSync(join(dataDir, 'effects')).sort();
      expect(drawn).toHaveLength((await readiness(first)).length);
      expect(drawn.every((f) => f.endsWith('.gif'))).toBe(true);
    } finally {
      await first.stop();
    }
    const second = await startServer(overrides, { dataDir });
    try {
      expect((await readiness(second)).every(Boolean)).toBe(true);
      const gif = await fetch(`${second.url}/api/effects/squish/preview.gif`);
      expect(Buffer.from(await gif.arrayBuffer()).subarray(0, 6).toString('latin1')).toBe('GIF89a');
      expect(readdirSync(join(dataDir, 'effects')).sort()).toEqual(drawn);
    } finally {
      await second.stop();
    }
  });

  it('maps Kling effect_scene through the catalog', async () => {
    const res = await fetch(`${server.url}/v1/videos/effects`, {
      method: 'POST', headers: { authorization: `Bearer ${server.key.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ effect_scene: 'nope', input: { prompt: 'a cat' } }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('fuzzyfuzzy');
  });

  it('refuses to start with a bad catalog, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-effects-'));
    const catalog = JSON.parse(readFileSync(DEFAULT_CATALOG_PATH, 'utf8'));
    catalog.templates[1].prompt_fragment = 'wobbles';
    const bad = join(dir, 'catalog.json');
    writeFileSync(bad, JSON.stringify(catalog));
    expect(() => loadEffectCatalog(bad)).toThrow(/field templates\[1\]\.prompt_fragment \(template "expansion"\): "wobbles" is not a phrase the model knows/);
    catalog.templates[1].prompt_fragment = 'inflates';
    catalog.templates[2].effect = 'wobble';
    writeFileSync(bad, JSON.stringify(catalog));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, logLevel: 'silent' } });
    await expect(createKineo(config, { effectsCatalog: bad })).rejects.toThrow(/field templates\[2\]\.effect \(template "melt"\)/);
  });
});
