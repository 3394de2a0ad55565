/**
 * Remote provider kinds over real HTTP: another Kineo server is the remote of the `kineo` and `openai` kinds (the
 * OpenAI videos format it speaks), and a small fake OpenAI-format server in this file injects faults — a 500, a 429
 * with Retry-After, a corrupt file, a video that never finishes, a cancel.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobePath } from '../../src/engine/ffmpeg.js';
import { call, waitFor, type TestServer } from './helpers.js';
import { startServerPerTest } from './per-test.js';

const start = startServerPerTest();
const done = (status: string) => ['succeeded', 'failed', 'cancelled'].includes(status);

function tagsOf(mp4: Buffer): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-remote-test-'));
  try {
    writeFileSync(join(dir, 'v.mp4'), mp4);
    const out = execFileSync(ffprobePath(), ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', join(dir, 'v.mp4')], { encoding: 'utf8' });
    return (JSON.parse(out) as { format: { tags: Record<string, string> } }).format.tags;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function finished(s: TestServer, token: string, id: string) {
  return waitFor(async () => {
    const t = await call(s.url, 'GET', `/api/tasks/${id}`, { token });
    return done(t.body.status) && t.body;
  }, 60_000);
}

describe('remote providers: another Kineo server', () => {
  it('runs tasks on a remote Kineo through the kineo and openai kinds, stored here with this server\'s label', async () => {
    const remote = await start({ workers: { builtin: 0 } });
    const remoteKey = remote.key.secret_key;
    process.env.KINEO_TEST_REMOTE_KEY = remoteKey;
    const front = await start({
      providers: [
        { name: 'gpu', kind: 'kineo', url: remote.url, model: 'oracle', apiKeyEnv: 'KINEO_TEST_REMOTE_KEY', pollMs: 50 },
        { name: 'gw', kind: 'openai', baseUrl: `${remote.url}/v1`, model: 'oracle', as: 'gateway-oracle', apiKey: remoteKey, seconds: ['2'], size: '256x256', fps: 8, pollMs: 50, pricePerClip: 3 },
      ],
    });
    const token = front.key.secret_key;
    const models = await call(front.url, 'GET', '/api/models', { token });
    expect(models.body.data.map((m: { id: string; provider: string; price_per_clip: number }) => [m.id, m.provider, m.price_per_clip]))
      .toEqual([['oracle', 'gpu', 1], ['gateway-oracle', 'gw', 3]]);

    for (const model of ['oracle', 'gateway-oracle']) {
      const created = await call(front.url, 'POST', '/v1/videos', { token, json: { model, prompt: 'a cat jumps on the beach', seconds: '2', size: '256x256' } });
      expect(created.status).toBe(200);
      const task = await finished(front, token, created.body.id);
      expect(task).toMatchObject({ status: 'succeeded', model });
      const content = await fetch(`${front.url}/v1/videos/${created.body.id}/content`, { headers: { authorization: `Bearer ${token}` } });
      expect(content.headers.get('content-type')).toBe('video/mp4');
      const tags = tagsOf(Buffer.from(await content.arrayBuffer()));
      expect(tags).toMatchObject({ ai_generated: 'true', generator: 'kineo', model, request_id: created.body.id });
    }
    // The remote ran them as its own tasks, charged to the key the front server holds.
    const remoteTasks = await call(remote.url, 'GET', '/api/tasks', { token: remoteKey });
    expect(remoteTasks.body.data.filter((t: { status: string }) => t.status === 'succeeded')).toHaveLength(2);
    const balance = await call(front.url, 'GET', '/api/balance', { token });
    expect(balance.body.balance).toBe(100 - 1 - 3);
  });
});

describe('remote providers: faults at the remote', () => {
  let fake: Server;
  let base: string;
  const seen: string[] = [];
  let posts = 0;

  beforeAll(async () => {
    fake = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(value));
        };
        if (req.method === 'POST' && req.url === '/v1/videos') {
          const { model } = JSON.parse(body) as { model: string };
          if (model === 'stuck') return json(200, { id: 'vid_stuck', status: 'queued', progress: 0 });
          posts++;
          if (posts === 1) return json(500, { error: { message: 'the GPU box fell over' } });
          if (posts === 2) return json(429, { error: { message: 'slow down' } }, { 'retry-after': '1' });
          if (posts === 3) return req.socket.destroy(); // a dropped connection
          return json(200, { id: 'vid_corrupt', status: 'queued', progress: 0 });
        }
        if (req.method === 'GET' && req.url === '/v1/videos/vid_corrupt') return json(200, { id: 'vid_corrupt', status: 'completed', progress: 100 });
        if (req.method === 'GET' && req.url === '/v1/videos/vid_stuck') return json(200, { id: 'vid_stuck', status: 'in_progress', progress: 40 });
        if (req.method === 'DELETE') return json(200, { id: req.url!.split('/').pop(), deleted: true });
        if (req.url === '/v1/videos/vid_corrupt/content') {
          res.writeHead(200, { 'content-type': 'video/mp4' });
          return res.end('this is not a video');
        }
        return json(404, { error: { message: 'no such thing' } });
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())));

  it('retries 500, 429 and a dropped connection, then fails a corrupt file for good with the remote\'s error, credits released', async () => {
    const s = await start({
      queue: { maxAttempts: 1 },
      providers: [{ name: 'flaky', kind: 'openai', baseUrl: base, model: 'flaky', seconds: ['4'], size: '64x64', pollMs: 20, retries: 4, requestTimeoutMs: 3000 }],
    });
    const token = s.key.secret_key;
    const created = await call(s.url, 'POST', '/api/tasks', { token, json: { prompt: 'a cat' } });
    const task = await finished(s, token, created.body.id);
    expect(task).toMatchObject({ status: 'failed', error: { code: 'generation_failed', message: expect.stringContaining('could not be read') } });
    expect(posts).toBe(4);
    const ledger = await call(s.url, 'GET', '/api/ledger?limit=50', { token });
    expect(ledger.body.data.filter((e: { task_id: string }) => e.task_id === created.body.id).map((e: { kind: string }) => e.kind).sort()).toEqual(['release', 'reserve']);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body.balance).toBe(100);
  });

  it('fails a video that never finishes at its time limit, and passes a cancel on to the remote', async () => {
    const s = await start({
      queue: { maxAttempts: 1 },
      providers: [
        { name: 'stuck', kind: 'openai', baseUrl: base, model: 'stuck', seconds: ['4'], size: '64x64', pollMs: 20, timeoutMs: 1500 },
        { name: 'stuck-long', kind: 'openai', baseUrl: base, model: 'stuck', as: 'stuck-long', seconds: ['4'], size: '64x64', pollMs: 20 },
      ],
    });
    const token = s.key.secret_key;
    const timed = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'stuck', prompt: 'a cat' } });
    expect(await finished(s, token, timed.body.id)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('did not deliver within 1500 ms') } });

    const long = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'stuck-long', prompt: 'a cat' } });
    await waitFor(async () => (await call(s.url, 'GET', `/api/tasks/${long.body.id}`, { token })).body.progress > 5);
    const deletes = () => seen.filter((r) => r === 'DELETE /v1/videos/vid_stuck').length;
    const before = deletes(); // the timed-out video was deleted too
    await call(s.url, 'POST', `/api/tasks/${long.body.id}/cancel`, { token });
    expect(await finished(s, token, long.body.id)).toMatchObject({ status: 'cancelled' });
    await waitFor(async () => deletes() > before);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body.balance).toBe(100);
  });
});
