/**
 * The OpenAPI-driven fuzzer (fuzz.ts) against a real server: no 5xx, every 4xx in the route's wire format, no 2xx
 * without a key, RSS growth under 64 MiB once warm. `npm test` sends a few hundred seeded requests;
 * `npm run test:hostile` (KINEO_HOSTILE=full) sends at least 10,000 across every route. KINEO_FUZZ_SEED picks
 * another seed; a failure prints the seed and each failing request.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServer, waitFor, type TestServer } from './helpers.js';
import { fuzz, operationsOf } from './fuzz.js';
import { scaleOut } from './backends.js';

/** A 1×1 GIF. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const FULL = process.env.KINEO_HOSTILE === 'full';
const SEED = Number(process.env.KINEO_FUZZ_SEED ?? 20261206);
const COUNT = FULL ? 10_500 : 600;
const TIME_MS = FULL ? 8 * 60_000 : 20_000;

describe('the OpenAPI fuzzer', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ builtin: { preload: false }, workers: { builtin: 0, oracle: 1 }, oracle: { delayMs: 0 }, queue: { perKeyActive: 4 } }, { credits: 1_000_000 });
    const token = server.key.secret_key;
    // Objects of the key's own, so that some requests name real ids and reach past the lookups.
    const tasks = await Promise.all([1, 2].map((seed) => call(server.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a cat bounces on the beach', seed } })));
    for (const t of tasks) expect(t.status).toBe(201);
    await waitFor(async () => {
      const r = await call(server.url, 'GET', `/api/tasks/${tasks[1]!.body.id}`, { token });
      return r.body.status === 'succeeded';
    }, 30_000);
    // The gallery previews are made by the built-in model once, then cached; no model runs here, so the cache is
    // filled with a stand-in GIF (a request for a preview would otherwise wait, by design, for a worker).
    const effects = server.kineo.context.effects as unknown as { dir: string; cacheName(t: unknown): string; catalog: { templates: unknown[] } };
    mkdirSync(effects.dir, { recursive: true });
    for (const t of effects.catalog.templates) writeFileSync(join(effects.dir, effects.cacheName(t)), GIF);
    expect((await call(server.url, 'POST', '/api/webhooks', { token, json: { url: 'http://127.0.0.1:9/hook' } })).status).toBe(201);
  }, 60_000);
  afterAll(() => server?.stop());

  async function ownIds(): Promise<string[]> {
    const token = server.key.secret_key;
    const get = async (path: string) => ((await call(server.url, 'GET', path, { token })).body?.data ?? []) as { id: string }[];
    const lists = await Promise.all(['/api/tasks?limit=5', '/api/files?limit=5', '/api/batches', '/api/storyboards', '/api/webhooks', '/api/webhooks/deliveries'].map(get));
    return lists.flat().slice(0, 40).map((x) => x.id).filter((x) => typeof x === 'string');
  }

  it(`answers ${COUNT} generated requests (seed ${SEED}) with no 5xx, every error in its route's envelope`, async () => {
    const stats = await fuzz(server.url, { secret: server.key.secret_key, access: server.key.access_key, ids: [] }, {
      seed: SEED, count: COUNT, timeMs: TIME_MS, ids: ownIds, concurrency: 8,
    });
    const byFamily = Object.entries(stats.perFamily).map(([f, n]) => `${f} ${n}`).join(', ');
    const growth = Math.max(stats.rssEndMiB, ...stats.rssSamplesMiB) - stats.rssWarmMiB;
    console.log(`fuzz (${scaleOut ? 'scale' : 'embedded'}, seed ${SEED}): ${stats.requests} requests over ${stats.perOperation.size} operations in ${(stats.ms / 1000).toFixed(1)} s (${byFamily}); ` +
      `statuses ${JSON.stringify(stats.statuses)}; RSS once warm ${stats.rssWarmMiB.toFixed(0)} MiB, at most ${(stats.rssWarmMiB + growth).toFixed(0)} MiB after (${growth >= 0 ? '+' : ''}${growth.toFixed(1)}), ${stats.rssEndMiB.toFixed(0)} MiB at the end`);
    if (FULL) console.log([...stats.perOperation].map(([op, n]) => `  ${op}: ${n}`).join('\n'));
    expect(stats.failures.slice(0, 20).map((f) => `${f.why}: ${f.request} → ${f.status} ${f.body}`)).toEqual([]);
    // every operation of the document was reached
    const doc = (await call(server.url, 'GET', '/openapi.json')).body;
    expect([...stats.perOperation.keys()].sort()).toEqual(operationsOf(doc).map((o) => `${o.method} ${o.path}`).sort());
    expect(growth).toBeLessThan(64);
    if (FULL) expect(stats.requests).toBeGreaterThanOrEqual(10_000);
  }, TIME_MS + 60_000);
});
