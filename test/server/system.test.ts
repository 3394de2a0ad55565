/** Config loading, health and readiness, Prometheus metrics, the OpenAPI document, request ids. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, maskedConfig } from '../../src/config.js';
import { call, startServer, waitFor, type TestServer } from './helpers.js';

describe('the config', () => {
  it('defaults to 127.0.0.1:8080 with data in ./data', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, workers: { builtin: 1, oracle: 2 }, credits: { pricePerClip: 1 } });
    expect(c.dataDir).toBe(join(process.cwd(), 'data'));
  });

  it('layers a JSON file, then KINEO_* variables, then flags', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kineo-cfg-')), 'kineo.json');
    writeFileSync(file, JSON.stringify({ port: 9000, host: '0.0.0.0', credits: { pricePerClip: 5 } }));
    const c = loadConfig({ file, env: { KINEO_PORT: '9100', KINEO_DATA_DIR: '/tmp/kineo-x' }, overrides: { host: '127.0.0.2' } });
    expect(c).toMatchObject({ port: 9100, host: '127.0.0.2', dataDir: '/tmp/kineo-x', credits: { pricePerClip: 5, initial: 100 } });
  });

  it('refuses bad values with a sentence naming the field', () => {
    expect(() => loadConfig({ env: { KINEO_PORT: 'eighty' } })).toThrow(/KINEO_PORT must be a whole number/);
    expect(() => loadConfig({ env: {}, overrides: { port: 70000 } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, overrides: { queue: { leaseMs: 'x' } } as never })).toThrow(/queue\.leaseMs/);
    expect(() => loadConfig({ env: {}, overrides: { nope: 1 } as never })).toThrow(/nope/);
  });

  it('masks credentials in URLs when printed', () => {
    expect(maskedConfig(loadConfig({ env: { KINEO_PUBLIC_URL: 'https://user:pw@kineo.example' } })).publicUrl).toBe('https://***@kineo.example');
  });
});

describe('operations endpoints', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ workers: { oracle: 0, builtin: 0 } });
  });
  afterAll(() => server.stop());

  it('answers /healthz and /readyz without a key', async () => {
    expect(await call(server.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    // 503 while the model loads, then ready
    const ready = await waitFor(async () => {
      const r = await call(server.url, 'GET', '/readyz');
      if (r.status === 503) expect(r.body.error.code).toBe('not_ready');
      return r.status === 200 ? r : undefined;
    });
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics', async () => {
    await call(server.url, 'POST', '/api/tasks', { token: server.key.secret_key, json: { model: 'oracle', prompt: 'a cat' } });
    const r = await fetch(`${server.url}/metrics`);
    const text = await r.text();
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(/kineo_tasks_created_total\{api="native",provider="oracle"\} 1/);
    expect(text).toMatch(/kineo_tasks_queued 1/);
    expect(text).toMatch(/kineo_http_requests_total\{method="POST",route="\/api\/tasks",status="201"\} 1/);
  });

  it('serves an OpenAPI 3.1 document generated from the zod schemas, whose refs resolve, and a docs page', async () => {
    const doc = (await call(server.url, 'GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/v1/videos', '/v1/videos/{id}/content', '/v1/videos/text2video', '/v1/videos/text2video/{id}', '/api/tasks/{id}/events', '/api/webhooks/deliveries/{id}']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(doc.components.schemas[r], r).toBeDefined();
    const body = doc.paths['/v1/videos/text2video'].post.requestBody.content['application/json'].schema;
    const schema = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()] : body;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['prompt', 'cfg_scale', 'duration', 'callback_url', 'external_task_id']));
    const page = await fetch(`${server.url}/docs`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/openapi.json');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await call(server.url, 'GET', '/v1/videos', { token: server.key.secret_key, headers: { 'x-request-id': 'req-123' } });
    expect(given.headers.get('x-request-id')).toBe('req-123');
    const made = await call(server.url, 'GET', '/v1/videos', { token: server.key.secret_key });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
