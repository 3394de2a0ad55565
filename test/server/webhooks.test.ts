/** Webhooks: a local receiver verifies Standard Webhooks signatures and fails first attempts; the SSRF guard. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { isPrivateAddress, UrlGuard } from '../../src/core/services/url-guard.js';
import { backoffDelayMs } from '../../src/core/services/webhooks.service.js';
import { loadConfig } from '../../src/config.js';
import { call, klingToken, startServer, waitFor, type TestServer } from './helpers.js';

interface Received {
  path: string;
  attempt: number;
  headers: Record<string, string>;
  body: string;
}

/** Answers 500 to the first attempt of every message id, then 204. */
async function receiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const attempt = (seen.get(id) ?? 0) + 1;
      seen.set(id, attempt);
      received.push({ path: req.url ?? '', attempt, headers: req.headers as Record<string, string>, body });
      res.writeHead(attempt === 1 ? 500 : 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

describe('webhooks', () => {
  let server: TestServer;
  let rx: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    server = await startServer();
    rx = await receiver();
  });
  afterAll(async () => {
    await server.stop();
    await rx.close();
  });

  it('calls a Kling callback_url on every status change, signed, retrying after a failed attempt', async () => {
    const token = await klingToken(server.key);
    const created = await call(server.url, 'POST', '/v1/videos/text2video', { token, json: { model_name: 'oracle', prompt: 'a cat moves up', callback_url: `${rx.url}/kling` } });
    const taskId = created.body.data.task_id;
    const secret = (await call(server.url, 'GET', '/api/me', { token: server.key.secret_key })).body.webhook_secret;
    expect(secret).toBe(server.key.webhook_secret);
    const ok = await waitFor(async () => {
      const got = rx.received.filter((r) => r.path === '/kling' && r.attempt === 2);
      return got.length >= 2 ? got : undefined;
    }, 20_000);
    const wh = new Webhook(secret);
    const statuses = ok.map((r) => (wh.verify(r.body, r.headers) as { task_id: string; task_status: string }));
    expect(statuses.every((s) => s.task_id === taskId)).toBe(true);
    expect(statuses.map((s) => s.task_status).sort()).toEqual(['processing', 'succeed']);
    // A forged body does not verify.
    expect(() => wh.verify(ok[0]!.body.replace(taskId, 'video_forged'), ok[0]!.headers)).toThrow();
    // Deliveries and attempts are visible in the API.
    const deliveries = await call(server.url, 'GET', `/api/webhooks/deliveries?task_id=${taskId}`, { token: server.key.secret_key });
    expect(deliveries.body.data).toHaveLength(2);
    // A redelivery carries the same webhook-id (receivers deduplicate on it): each message was sent twice, under
    // its delivery's id, and each attempt verifies on its own.
    const sent = rx.received.filter((r) => r.path === '/kling');
    const ids = [...new Set(sent.map((r) => r.headers['webhook-id']))];
    expect(ids.sort()).toEqual(deliveries.body.data.map((d: { id: string }) => d.id).sort());
    for (const id of ids) expect(sent.filter((r) => r.headers['webhook-id'] === id).map((r) => r.attempt)).toEqual([1, 2]);
    for (const r of sent) expect(() => wh.verify(r.body, r.headers)).not.toThrow();
    // The second attempt is recorded once the receiver has answered: wait for that record.
    const one = await waitFor(async () => {
      const r = await call(server.url, 'GET', `/api/webhooks/deliveries/${deliveries.body.data[0].id}`, { token: server.key.secret_key });
      return r.body.status === 'succeeded' ? r : undefined;
    }, 10_000);
    expect(one.body).toMatchObject({ status: 'succeeded', attempts: 2, last_error: null, event: expect.stringMatching(/^task\./) });
    expect(one.body.attempt_log).toMatchObject([{ attempt: 1, status_code: 500, error: expect.stringContaining('HTTP 500') }, { attempt: 2, status_code: 204, error: null }]);
  });

  it('sends video.completed to a registered endpoint with its own secret, and shows each attempt', async () => {
    const token = server.key.secret_key;
    const ep = await call(server.url, 'POST', '/api/webhooks', { token, json: { url: `${rx.url}/endpoint` } });
    expect(ep.status).toBe(201);
    expect(ep.body.secret).toMatch(/^whsec_/);
    const created = await call(server.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a dog jumps on the beach' } });
    const delivered = await waitFor(async () => rx.received.find((r) => r.path === '/endpoint' && r.attempt === 2), 20_000);
    const event = new Webhook(ep.body.secret).verify(delivered.body, delivered.headers) as { type: string; data: { id: string } };
    expect(event).toMatchObject({ type: 'video.completed', data: { id: created.body.id } });
    const list = await call(server.url, 'GET', `/api/webhooks/deliveries?task_id=${created.body.id}`, { token });
    const d = list.body.data.find((x: { event: string }) => x.event === 'video.completed');
    // The attempt is recorded once the receiver has answered: wait for that record.
    const detail = await waitFor(async () => {
      const r = await call(server.url, 'GET', `/api/webhooks/deliveries/${d.id}`, { token });
      return r.body.status === 'succeeded' ? r : undefined;
    }, 10_000);
    expect(detail.body).toMatchObject({ status: 'succeeded', attempts: 2, endpoint_id: ep.body.id });
    expect(detail.body.attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([500, 204]);
    // another key cannot see the deliveries
    const other = await server.newKey();
    expect((await call(server.url, 'GET', `/api/webhooks/deliveries/${d.id}`, { token: other.secret_key })).status).toBe(404);
  });

  it('retries with exponential backoff that lasts at least 24 hours by default', async () => {
    const { webhooks } = loadConfig({ env: {} });
    const waits = Array.from({ length: webhooks.maxAttempts - 1 }, (_, i) => backoffDelayMs(webhooks, i + 1));
    expect(waits.slice(0, 4)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(24 * 3_600_000);
  });
});

describe('the SSRF guard', () => {
  it('knows loopback, private, link-local and mapped addresses from public ones', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses URLs whose host resolves to a private address, checking every address', async () => {
    const guard = new UrlGuard(false, async (host) => (host === 'evil.example' ? ['93.184.216.34', '10.0.0.5'] : ['93.184.216.34']));
    await expect(guard.check('https://evil.example/hook', 'callback_url')).rejects.toMatchObject({ status: 400, code: 'url_not_allowed' });
    await expect(guard.check('https://fine.example/hook', 'callback_url')).resolves.toBeInstanceOf(URL);
    await expect(guard.check('ftp://fine.example/x', 'callback_url')).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(guard.check('http://user:pw@fine.example/x', 'callback_url')).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(guard.check('not a url', 'callback_url')).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('makes the API refuse loopback callbacks and webhook endpoints unless configured', async () => {
    const s = await startServer({ security: { allowPrivateUrls: false } });
    try {
      const token = await klingToken(s.key);
      for (const url of ['http://127.0.0.1:9/x', 'http://localhost:9/x', 'http://[::1]:9/x', 'http://169.254.169.254/latest']) {
        const r = await call(s.url, 'POST', '/v1/videos/text2video', { token, json: { model_name: 'oracle', prompt: 'a cat', callback_url: url } });
        expect(r.status, url).toBe(400);
        expect(r.body.code).toBe(1201);
        expect(r.body.message).toMatch(/loopback, private or link-local|does not resolve/);
      }
      const ep = await call(s.url, 'POST', '/api/webhooks', { token: s.key.secret_key, json: { url: 'http://127.0.0.1:9/x' } });
      expect(ep).toMatchObject({ status: 400, body: { error: { code: 'url_not_allowed' } } });
      // the built-in model takes pictures, so the picture URL reaches the guard
      const img = await call(s.url, 'POST', '/v1/videos/image2video', { token, json: { image: 'http://127.0.0.1/cat.png' } });
      expect(img).toMatchObject({ status: 400, body: { code: 1201, message: expect.stringMatching(/^image resolves to .*loopback, private or link-local/) } });
    } finally {
      await s.stop();
    }
  });
});
