/** The effect template catalog: listed with previews made once by the built-in model (a real task) and cached; a bad file stops the start. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createKineo } from '../../src/kineo.js';
import { DEFAULT_CATALOG_PATH, loadEffectCatalog } from '../../src/server/effects/catalog.js';
import { startServer, type TestServer } from './helpers.js';

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
