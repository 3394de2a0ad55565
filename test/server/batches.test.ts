/**
 * Ad batches end to end over real HTTP with real SQLite and real ffmpeg: estimate, fan-out into child tasks, the
 * combined progress document, retries of retryable failures, the zip (manifest.csv, videos fitted to each aspect
 * ratio with captions burned in or as .srt, the AI-generated label kept), 402 before anything is created, per-key
 * isolation, cancel, and an assembly that is safe to run twice.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobePath } from '../../src/engine/ffmpeg.js';
import { assembleBatch } from '../../src/core/assembly/batch-assembly.js';
import { OracleProvider } from '../../src/core/providers/oracle.js';
import { ProviderError, type Provider, type ProviderContext, type ProviderRequest, type ProviderResult } from '../../src/core/providers/provider.js';
import { call, startServer, waitFor, type TestServer } from './helpers.js';

const SIZES: Record<string, [number, number]> = { '9:16': [360, 640], '1:1': [480, 480], '16:9': [640, 360] };
const DONE = new Set(['succeeded', 'partially_failed', 'failed', 'cancelled']);

const body = (over: Record<string, unknown> = {}) => ({
  name: 'Crunchy Apple', product: { subject: 'a red apple' }, selling_points: ['100% organic', 'picked "fresh", today'],
  templates: ['squish', 'melt'], aspect_ratios: ['9:16', '1:1', '16:9'], count: 6, model: 'oracle', seed: 7, ...over,
});

async function finished(server: TestServer, token: string, id: string, timeoutMs = 60_000) {
  return waitFor(async () => {
    const r = await call(server.url, 'GET', `/api/batches/${id}`, { token });
    return DONE.has(r.body.status) ? r.body : undefined;
  }, timeoutMs, 100);
}

function probe(bytes: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-probe-'));
  try {
    const path = join(dir, 'v.mp4');
    writeFileSync(path, bytes);
    const out = spawnSync(ffprobePath(), ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
    return JSON.parse(out.stdout) as { streams: { codec_type: string; codec_name: string; width: number; height: number }[]; format: { tags: Record<string, string> } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r') continue;
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += c;
  }
  return rows;
}

/** The oracle, except that some seeds fail: once with a transient error, or always as a bad request. */
class FlakyOracle implements Provider {
  readonly name = 'oracle';
  readonly model = 'oracle';
  private readonly inner = new OracleProvider();
  readonly capabilities = this.inner.capabilities;
  readonly expectedRunS = 0.2;
  constructor(private readonly failOnce: Set<number>, private readonly badSeeds: Set<number>) {}
  shape() { return this.inner.shape(); }
  async start() {}
  async close() {}
  async generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult> {
    if (this.failOnce.delete(request.seed)) throw new Error('the GPU server went away');
    if (this.badSeeds.has(request.seed)) throw new ProviderError('this prompt cannot be drawn', 'invalid_request');
    return this.inner.generate(request, ctx);
  }
}

describe('ad batches', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer({ builtin: { preload: false }, workers: { builtin: 1, oracle: 2 } }, { credits: 1000 });
    token = server.key.secret_key;
  });
  afterAll(async () => server?.stop());

  it('estimates count × price against the balance and reports words the model does not know', async () => {
    const r = await call(server.url, 'POST', '/api/batches/estimate', { token, json: body({ count: 100, product: { subject: 'a shiny zorblax apple' } }) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ count: 100, price_per_clip: 1, total_credits: 100, balance: 1000, affordable: true, model: 'oracle', unknown_words: ['shiny zorblax'] });
    expect(r.body.sample_captions).toEqual(['Crunchy Apple — 100% organic', 'Crunchy Apple — picked "fresh", today']);
    const big = await call(server.url, 'POST', '/api/batches/estimate', { token, json: body({ count: 500 }) });
    expect(big.body).toMatchObject({ total_credits: 500, affordable: true });
    const poor = await server.newKey(3);
    expect((await call(server.url, 'POST', '/api/batches/estimate', { token: poor.secret_key, json: body() })).body).toMatchObject({ total_credits: 6, balance: 3, affordable: false });
  });

  it('refuses a product the model cannot draw before anything is charged, estimate and batch alike', async () => {
    for (const path of ['/api/batches/estimate', '/api/batches']) {
      const r = await call(server.url, 'POST', path, { token, json: body({ product: { subject: 'the new Zorblax 15 Pro' } }) });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'prompt_unusable', param: 'product.subject' });
      expect(r.body.error.message).toMatch(/cannot draw "the new Zorblax 15 Pro".*e\.g\. "a red apple"/);
    }
    expect((await call(server.url, 'GET', '/api/batches?limit=50', { token })).body.data.some((b: { product: { subject: string } }) => /Zorblax/.test(b.product.subject))).toBe(false);
  });

  it('fans out into child tasks and delivers a zip: a manifest and every variant at its aspect ratio, captioned and labelled', async () => {
    const key = await server.newKey(50);
    const created = await call(server.url, 'POST', '/api/batches', { token: key.secret_key, json: body() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'queued', count: 6, estimated_cost: 6, unknown_words: [], templates: ['squish', 'melt'] });
    expect(created.body.variants.map((v: any) => [v.template, v.aspect_ratio, v.seed])).toEqual([
      ['squish', '9:16', 7], ['squish', '1:1', 8], ['squish', '16:9', 9], ['melt', '9:16', 10], ['melt', '1:1', 11], ['melt', '16:9', 12],
    ]);
    expect(created.body.variants[3].prompt).toBe('a red apple melts');
    expect((await call(server.url, 'GET', '/api/balance', { token: key.secret_key })).body).toMatchObject({ balance: 44, active_tasks: 6 });

    const done = await finished(server, key.secret_key, created.body.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, counts: { succeeded: 6, failed: 0, queued: 0, running: 0, cancelled: 0, retries: 0 } });
    expect(done.variants.every((v: any) => v.status === 'succeeded' && v.file_id && v.video_url)).toBe(true);
    // Children are ordinary tasks of the key, each charged once.
    const tasks = await call(server.url, 'GET', '/api/tasks?limit=100', { token: key.secret_key });
    expect(tasks.body.data.map((t: any) => t.id).sort()).toEqual(done.variants.map((v: any) => v.task_id).sort());
    // Each child names its batch, and the list summarises the batch once (the studio folds the children under it).
    expect(tasks.body.data.map((t: any) => [t.id, t.group])).toEqual(expect.arrayContaining(done.variants.map((v: any) => [v.task_id, { kind: 'batch', id: done.id, index: v.index }])));
    expect(tasks.body.groups).toEqual([{
      kind: 'batch', id: done.id, title: 'Crunchy Apple', subject: 'a red apple', status: 'succeeded', progress: 100, total: 6, succeeded: 6, failed: 0,
      output: { kind: 'zip', url: `/api/batches/${done.id}/zip`, bytes: done.zip.bytes, poster_url: null }, created_at: done.created_at,
    }]);
    const ledger = (await call(server.url, 'GET', '/api/ledger', { token: key.secret_key })).body.data as { kind: string }[];
    expect(ledger.filter((e) => e.kind === 'reserve')).toHaveLength(6);
    expect(ledger.filter((e) => e.kind === 'capture')).toHaveLength(6);
    expect((await call(server.url, 'GET', '/api/balance', { token: key.secret_key })).body).toMatchObject({ balance: 44, reserved: 0, active_tasks: 0 });

    const res = await fetch(`${server.url}/api/batches/${done.id}/zip`, { headers: { authorization: `Bearer ${key.secret_key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="Crunchy-Apple-[0-9a-f]{8}\.zip"$/);
    const zip = new Uint8Array(await res.arrayBuffer());
    const signed = new Uint8Array(await (await fetch(done.zip.url)).arrayBuffer());
    expect(Buffer.from(signed).equals(Buffer.from(zip))).toBe(true);
    expect(done.zip.bytes).toBe(zip.byteLength);

    const files = unzipSync(zip);
    const rows = parseCsv(Buffer.from(files['manifest.csv']!).toString('utf8'));
    expect(rows[0]).toEqual(['file', 'template', 'aspect', 'seed', 'caption', 'task_id']);
    expect(rows.slice(1)).toEqual(done.variants.map((v: any) => [
      `${String(v.index + 1).padStart(3, '0')}_${v.template}_${v.aspect_ratio.replace(':', 'x')}_seed${v.seed}.mp4`, v.template, v.aspect_ratio, String(v.seed), v.caption, v.task_id,
    ]));
    expect(rows[2]![4]).toBe('Crunchy Apple — picked "fresh", today');
    expect(Object.keys(files).sort()).toEqual(['manifest.csv', ...rows.slice(1).map((r) => r[0]!)].sort());
    for (const [name, , aspect, seed, caption] of rows.slice(1)) {
      const info = probe(files[name!]!);
      const video = info.streams.find((s) => s.codec_type === 'video')!;
      expect([video.width, video.height], name).toEqual(SIZES[aspect!]);
      expect(video.codec_name).toBe('h264');
      expect(info.format.tags).toMatchObject({ ai_generated: 'true', generator: 'kineo', model: 'oracle', seed, aspect_ratio: aspect, ad_caption: caption, ad_batch: done.id });
    }
  });

  it('writes captions as .srt subtitles beside the videos when asked', async () => {
    const created = await call(server.url, 'POST', '/api/batches', { token, json: body({ count: 2, templates: ['bloom'], aspect_ratios: ['9:16'], captions: 'subtitles', selling_points: [] }) });
    expect(created.status).toBe(201);
    const done = await finished(server, token, created.body.id);
    expect(done.status).toBe('succeeded');
    const files = unzipSync(new Uint8Array(await (await fetch(done.zip.url)).arrayBuffer()));
    const srt = Object.keys(files).filter((n) => n.endsWith('.srt'));
    expect(srt).toHaveLength(2);
    expect(Buffer.from(files[srt[0]!]!).toString()).toBe('1\n00:00:00,000 --> 00:00:02,000\nCrunchy Apple\n');
    expect(created.body.templates).toEqual(['bloombloom']);
  });

  it('runs on the builtin model by default', async () => {
    const created = await call(server.url, 'POST', '/api/batches', { token, json: body({ model: undefined, count: 2, templates: ['explode'], aspect_ratios: ['16:9'], steps: 2 }) });
    expect(created.status).toBe(201);
    expect(created.body.model).toBe('kineo-tiny');
    const done = await finished(server, token, created.body.id, 120_000);
    expect(done.status).toBe('succeeded');
    const files = unzipSync(new Uint8Array(await (await fetch(done.zip.url)).arrayBuffer()));
    const mp4 = Object.keys(files).filter((n) => n.endsWith('.mp4'));
    expect(mp4).toHaveLength(2);
    expect(probe(files[mp4[0]!]!).format.tags).toMatchObject({ ai_generated: 'true', model: 'kineo-tiny', aspect_ratio: '16:9' });
  });

  it('animates the merchant\'s product image on a model that takes pictures (16:9 drawn natively)', async () => {
    const key = await server.newKey();
    const picture = PNG.sync.write(new PNG({ width: 96, height: 54, fill: true }));
    const created = await call(server.url, 'POST', '/api/batches', { token: key.secret_key, json: body({
      model: undefined, product: { image: picture.toString('base64') }, count: 2, templates: ['squish'], aspect_ratios: ['16:9', '9:16'], steps: 2,
    }) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const done = await finished(server, key.secret_key, created.body.id, 120_000);
    expect(done.status).toBe('succeeded');
    const tasks = (await call(server.url, 'GET', '/api/tasks', { token: key.secret_key })).body.data as { prompt: string; params: { aspect?: string; inputs?: { image?: string } } }[];
    expect(tasks).toHaveLength(2);
    expect(new Set(tasks.map((t) => t.params.inputs?.image)).size).toBe(1); // one stored picture, referenced by both
    expect(tasks.map((t) => t.params.aspect).sort()).toEqual(['16:9', '9:16']);
    expect(tasks[0]!.prompt).toBe('gets squished');
    const files = unzipSync(new Uint8Array(await (await fetch(done.zip.url)).arrayBuffer()));
    expect(Object.keys(files).filter((n) => n.endsWith('.mp4'))).toHaveLength(2);
  });

  it('answers 402 when the balance cannot cover the whole batch, creating nothing', async () => {
    const poor = await server.newKey(5);
    const r = await call(server.url, 'POST', '/api/batches', { token: poor.secret_key, json: body({ count: 6 }) });
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({ code: 'insufficient_credits' });
    expect(r.body.error.message).toContain('costs 6 credits (6 clips × 1)');
    expect((await call(server.url, 'GET', '/api/batches', { token: poor.secret_key })).body.data).toEqual([]);
    expect((await call(server.url, 'GET', '/api/tasks', { token: poor.secret_key })).body.data).toEqual([]);
    expect((await call(server.url, 'GET', '/api/balance', { token: poor.secret_key })).body).toMatchObject({ balance: 5, reserved: 0, active_tasks: 0 });
  });

  it('refuses bad requests with a 4xx that says what to do', async () => {
    const bad = async (json: unknown) => (await call(server.url, 'POST', '/api/batches', { token, json }));
    const image = await bad(body({ product: { image: 'https://example.com/apple.png' } }));
    expect(image.status).toBe(400);
    expect(image.body.error).toMatchObject({ code: 'unsupported_parameter', param: 'product.image' });
    expect(image.body.error.message).toMatch(/text-to-video only: it cannot animate a product image.*subject/);
    expect((await bad(body({ product: {} }))).body.error).toMatchObject({ code: 'invalid_request', param: 'product.subject' });
    expect((await bad(body({ aspect_ratios: ['4:3'] }))).status).toBe(400);
    expect((await bad(body({ count: 0 }))).status).toBe(400);
    expect((await bad(body({ count: 501 }))).status).toBe(400);
    expect((await bad(body({ count: 2.5 }))).status).toBe(400);
    const template = await bad(body({ templates: ['squish', 'wobble'] }));
    expect(template.status).toBe(400);
    expect(template.body.error.message).toContain('"wobble" is not an effect template; choose from squish, expansion');
    const unknown = await bad({ ...body(), colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('unknown field "colour"');
    expect((await bad(body({ product: { subject: 'a red apple', photo: 'x' } }))).status).toBe(400);
    expect((await call(server.url, 'POST', '/api/batches/estimate', { token, json: body({ product: { image: 'data:image/png;base64,AAAA' } }) })).status).toBe(400);
    expect((await call(server.url, 'POST', '/api/batches', { json: body() })).status).toBe(401);
    expect((await call(server.url, 'GET', '/api/batches')).status).toBe(401);
  });

  it('keeps each key\'s batches to itself', async () => {
    const a = await server.newKey(50);
    const b = await server.newKey(50);
    const created = await call(server.url, 'POST', '/api/batches', { token: a.secret_key, json: body({ count: 1 }) });
    const id = created.body.id as string;
    for (const [method, path] of [['GET', `/api/batches/${id}`], ['POST', `/api/batches/${id}/cancel`], ['GET', `/api/batches/${id}/zip`]] as const) {
      const r = await call(server.url, method, path, { token: b.secret_key });
      expect(r.status, path).toBe(404);
    }
    expect((await call(server.url, 'GET', '/api/batches', { token: b.secret_key })).body.data).toEqual([]);
    const list = await call(server.url, 'GET', '/api/batches', { token: a.secret_key });
    expect(list.body.data.map((x: any) => x.id)).toEqual([id]);
    expect(list.body.data[0]).toMatchObject({ object: 'batch', count: 1, name: 'Crunchy Apple' });
    // A page of several batches loads their variants in one query; each summary still counts only its own.
    const second = await call(server.url, 'POST', '/api/batches', { token: a.secret_key, json: body({ count: 3 }) });
    const both = await call(server.url, 'GET', '/api/batches', { token: a.secret_key });
    expect(both.body.data.map((x: any) => [x.id, x.count])).toEqual([[second.body.id, 3], [id, 1]]);
    for (const s of both.body.data) {
      const { retries, ...byStatus } = s.counts;
      expect(Object.values(byStatus).reduce((n: number, c) => n + (c as number), 0), s.id).toBe(s.count);
    }
  });

  it('replays a create with the same Idempotency-Key instead of making a second batch', async () => {
    const key = await server.newKey(50);
    const headers = { 'idempotency-key': 'ads-2026-06-01' };
    const first = await call(server.url, 'POST', '/api/batches', { token: key.secret_key, json: body({ count: 2 }), headers });
    const again = await call(server.url, 'POST', '/api/batches', { token: key.secret_key, json: body({ count: 2 }), headers });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect((await call(server.url, 'POST', '/api/batches', { token: key.secret_key, json: body({ count: 3 }), headers })).status).toBe(409);
    expect((await call(server.url, 'GET', '/api/balance', { token: key.secret_key })).body.balance).toBe(48);
  });

  it('assembles safely twice, even at once: one zip file, the same bytes', async () => {
    const created = await call(server.url, 'POST', '/api/batches', { token, json: body({ count: 3, aspect_ratios: ['1:1'] }) });
    const done = await finished(server, token, created.body.id);
    expect(done.status).toBe('succeeded');
    const { db } = server.kineo.database;
    const blobs = server.kineo.context.files.blobs;
    // Done already: a no-op.
    expect((await assembleBatch({ db, blobs }, done.id))?.status).toBe('succeeded');
    // As if a worker died after zipping but before recording it: two runs at once.
    await db.updateTable('batches').set({ status: 'assembling', zip_file_id: null }).where('id', '=', done.id).execute();
    const [x, y] = await Promise.all([assembleBatch({ db, blobs }, done.id), assembleBatch({ db, blobs }, done.id)]);
    expect([x?.status, y?.status]).toEqual(['succeeded', 'succeeded']);
    const zips = await db.selectFrom('files').selectAll().where('kind', '=', 'batch_zip').where('id', '=', done.zip.file_id).execute();
    expect(zips).toHaveLength(1);
    const again = await call(server.url, 'GET', `/api/batches/${done.id}`, { token });
    expect(again.body.zip).toMatchObject({ file_id: done.zip.file_id, bytes: done.zip.bytes });
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/batches', '/api/batches/estimate', '/api/batches/{id}', '/api/batches/{id}/cancel', '/api/batches/{id}/zip']));
  });
});

describe('ad batches when things go wrong', () => {
  it('retries a retryable failure with a new child task and leaves a bad request failed', async () => {
    // One attempt per task, so that the transient error fails the child and the batch must retry it.
    const server = await startServer({ queue: { maxAttempts: 1 }, workers: { builtin: 0, oracle: 2 } }, { providers: [new FlakyOracle(new Set([101]), new Set([102]))] });
    try {
      const token = server.key.secret_key;
      const created = await call(server.url, 'POST', '/api/batches', { token, json: body({ count: 4, seed: 100, templates: ['squish'], aspect_ratios: ['9:16', '1:1'] }) });
      expect(created.status).toBe(201);
      const done = await finished(server, token, created.body.id);
      expect(done).toMatchObject({ status: 'partially_failed', progress: 100, counts: { succeeded: 3, failed: 1, retries: 1 } });
      const [, retried, bad] = done.variants;
      expect(retried).toMatchObject({ seed: 101, status: 'succeeded', attempts: 2 });
      expect(retried.task_id).not.toBe(created.body.variants[1].task_id);
      const first = await call(server.url, 'GET', `/api/tasks/${created.body.variants[1].task_id}`, { token });
      expect(first.body).toMatchObject({ status: 'failed', error: { code: 'generation_failed' } });
      expect(bad).toMatchObject({ seed: 102, status: 'failed', attempts: 1, error: { code: 'invalid_request' } });
      // (The zip before the last JSON calls: a streamed response that ends just as the server stops can keep a
      // keep-alive connection open past Fastify's close.)
      const files = unzipSync(new Uint8Array(await (await fetch(done.zip.url)).arrayBuffer()));
      expect(Object.keys(files).filter((n) => n.endsWith('.mp4'))).toHaveLength(3);
      // Charged once per delivered clip: the two failed children were refunded.
      const ledger = (await call(server.url, 'GET', '/api/ledger', { token })).body.data as { kind: string }[];
      expect(ledger.filter((e) => e.kind === 'capture')).toHaveLength(3);
      expect(ledger.filter((e) => e.kind === 'release')).toHaveLength(2);
      expect((await call(server.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 97, reserved: 0, active_tasks: 0 });
    } finally {
      await server.stop();
    }
  });

  it('admits a batch bigger than the key\'s slots as one submission, and cancels it with every credit back', async () => {
    // No workers: the children wait in the queue.
    const server = await startServer({ builtin: { preload: false }, workers: { builtin: 0, oracle: 0 }, queue: { perKeyActive: 4 } }, { credits: 100 });
    try {
      const token = server.key.secret_key;
      const created = await call(server.url, 'POST', '/api/batches', { token, json: body({ count: 20 }) });
      expect(created.status).toBe(201);
      expect((await call(server.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 80, active_tasks: 20 });
      // The batch is the key's unfinished work now: more waits for it.
      const single = await call(server.url, 'POST', '/api/tasks', { token, json: { prompt: 'a cat', model: 'oracle' } });
      expect(single.status).toBe(429);
      expect(single.headers.get('retry-after')).toBeTruthy();
      expect((await call(server.url, 'POST', '/api/batches', { token, json: body({ count: 1 }) })).status).toBe(429);

      const cancelled = await call(server.url, 'POST', `/api/batches/${created.body.id}/cancel`, { token });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', zip: null, counts: { cancelled: 20 } });
      expect((await call(server.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 100, reserved: 0, active_tasks: 0 });
      // Cancelling again changes nothing.
      expect((await call(server.url, 'POST', `/api/batches/${created.body.id}/cancel`, { token })).body.status).toBe('cancelled');
      expect((await call(server.url, 'GET', `/api/batches/${created.body.id}/zip`, { token })).status).toBe(409);
    } finally {
      await server.stop();
    }
  });
});
