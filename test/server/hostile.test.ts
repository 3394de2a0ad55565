/**
 * The standing hostile suite: what an attacker or a careless client sends, over real HTTP to a real server. Every
 * case here once made the server answer 5xx, leak internals, answer outside the caller's wire format, reach an
 * address it must not, or stall; each must now be refused with a 4xx, a stable code and a sentence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { encodeVideo } from '../../src/engine/video.js';
import { isPrivateAddress, UrlGuard } from '../../src/core/services/url-guard.js';
import { webhooksRepository } from '../../src/core/repositories/webhooks.repository.js';
import { call, klingToken, startServer, waitFor, type TestServer } from './helpers.js';
import { probeMp4, testPng } from './media-probe.js';

/** A Kling-shaped JWT whose iss is any JSON value (jose's setIssuer takes strings only). */
function jwtWithIss(iss: unknown, secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: iss as string, exp: now + 600, nbf: now - 5 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

describe('bad input never answers 5xx', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
  });
  afterAll(() => server.stop());

  const issuers: [string, unknown][] = [['a number', 42], ['a boolean', true], ['an object', { a: 1 }], ['an array', ['ak_x']], ['null', null], ['an empty string', ''], ['a string holding a NUL', 'ak_\u0000x']];
  it.each(issuers)('answers a JWT whose iss is %s with 401 and Kling\'s auth code', async (_name, iss) => {
    const token = await jwtWithIss(iss, server.key.secret_key);
    for (const path of ['/v1/videos/text2video', '/v1/videos', '/api/tasks']) {
      const r = await call(server.url, 'GET', path, { token });
      expect(r.status, path).toBe(401);
      if (path.startsWith('/v1/videos/text2video')) expect(r.body).toMatchObject({ code: 1002, data: null });
      else expect(r.body.error.code).toBe('invalid_api_key');
    }
  });

  const bodyRoutes: [string, string][] = [
    ['POST', '/v1/videos'], ['POST', '/v1/videos/text2video'], ['POST', '/v1/videos/image2video'], ['POST', '/api/tasks'],
    ['POST', '/api/batches'], ['POST', '/api/storyboards'], ['POST', '/api/webhooks'], ['POST', '/v1/videos/extensions'],
  ];
  it.each(bodyRoutes)('answers %s %s with multipart/form-data but no boundary with 4xx and a code', async (method, path) => {
    const kling = path.startsWith('/v1/videos/') && !path.endsWith('extensions');
    const r = await call(server.url, method, path, {
      token: kling ? await klingToken(server.key) : server.key.secret_key, body: '--x\r\n\r\n', headers: { 'content-type': 'multipart/form-data' },
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    if (kling) expect(r.body).toMatchObject({ code: expect.any(Number), data: null });
    else expect(r.body.error.code).toMatch(/^[a-z_]+$/);
  });

  it('refuses dynamic_masks nested thousands deep with 400, not a stack overflow', async () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const token = await klingToken(server.key);
    for (const masks of [`[${deep}]`, `[{"mask":"AAAA","trajectories":[${deep}]}]`]) {
      const r = await call(server.url, 'POST', '/v1/videos/image2video', { token, body: `{"image":"AAAA","dynamic_masks":${masks}}`, headers: { 'idempotency-key': 'deep' } });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 1201, data: null });
    }
    // Kling's own shape is read, and refused as a feature this server does not have.
    const r = await call(server.url, 'POST', '/v1/videos/image2video', { token, json: { image: 'AAAA', dynamic_masks: [{ mask: 'AAAA', trajectories: [{ x: 1, y: 2 }] }] } });
    expect(r.body).toMatchObject({ code: 1201, message: expect.stringContaining('dynamic_masks') });
  });
});

describe('a NUL in an id, a query value or a body field', () => {
  // PostgreSQL cannot store or compare a NUL in text (SQLite can): found by the fuzzer (fuzz.test.ts) as 500s on
  // the scale backends. Refused at the boundary with 400 naming the field, the same on both databases.
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
  });
  afterAll(() => server.stop());

  const cases: [string, string, boolean, unknown, string][] = [
    ['GET', '/v1/videos/%00', false, undefined, 'id'],
    ['DELETE', '/v1/videos/a%00b', false, undefined, 'id'],
    ['GET', '/v1/videos/text2video/%00', true, undefined, 'id'],
    ['POST', '/api/batches/%00/cancel', false, undefined, 'id'],
    ['GET', '/api/files/x%00', false, undefined, 'id'],
    ['GET', '/api/tasks?after=%00', false, undefined, 'after'],
    ['GET', '/api/webhooks/deliveries?task_id=%00', false, undefined, 'task_id'],
    ['POST', '/v1/videos/video-extend', true, { video_id: 'video_\u0000' }, 'video_id'],
    ['POST', '/v1/videos/extensions', false, { video: { id: '\u0000' }, prompt: 'more' }, 'video.id'],
    ['POST', '/api/tasks', false, { prompt: 'a cat', model: 'oracle', remixed_from: 'x\u0000' }, 'remixed_from'],
    ['POST', '/api/tasks', false, { prompt: 'a cat', model: 'oracle', external_task_id: '\u0000' }, 'external_task_id'],
  ];
  it.each(cases)('answers %s %s with 400 naming the field', async (method, path, kling, json, field) => {
    const r = await call(server.url, method, path, { token: kling ? await klingToken(server.key) : server.key.secret_key, json });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    if (kling) expect(r.body).toMatchObject({ code: 1201, message: expect.stringContaining(field), data: null });
    else expect(r.body.error).toMatchObject({ code: 'invalid_request', param: field });
  });
});

describe('concurrent sign-ups', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ auth: { mode: 'accounts' }, workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
  });
  afterAll(() => server.stop());

  const signUp = (username: string) => call(server.url, 'POST', '/api/auth/signup', { json: { username, password: 'correct horse battery' } });

  it('make exactly one admin of eight first sign-ups, and one account of eight sign-ups of one name, with no orphan keys', async () => {
    const firsts = await Promise.all(Array.from({ length: 8 }, (_, i) => signUp(`first${i}`)));
    expect(firsts.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(firsts.filter((r) => r.body.user.is_admin)).toHaveLength(1);

    const same = await Promise.all(Array.from({ length: 8 }, () => signUp('samename')));
    expect(same.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of same.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('username_taken');
    }
    const studioKeys = (await server.kineo.context.keys.list()).filter((k) => k.name === 'studio');
    expect(studioKeys).toHaveLength(9);
  });
});

describe('control characters in text', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
  });
  afterAll(() => server.stop());

  const shot = { prompt: 'bounces on the beach' };
  // [where, method, path, Kling?, body with the text at `field`, field]
  const places: [string, string, boolean, (t: string) => unknown, string][] = [
    ['OpenAI prompt', '/v1/videos', false, (t) => ({ prompt: t }), 'prompt'],
    ['Kling prompt', '/v1/videos/text2video', true, (t) => ({ prompt: t }), 'prompt'],
    ['Kling negative prompt', '/v1/videos/text2video', true, (t) => ({ prompt: 'a cat', negative_prompt: t }), 'negative_prompt'],
    ['Kling effect subject', '/v1/videos/effects', true, (t) => ({ effect_scene: 'squish', input: { prompt: t } }), 'input.prompt'],
    ['native prompt', '/api/tasks', false, (t) => ({ prompt: t }), 'prompt'],
    ['native negative prompt', '/api/tasks', false, (t) => ({ prompt: 'a cat', negative_prompt: t }), 'negative_prompt'],
    ['storyboard title', '/api/storyboards', false, (t) => ({ title: t, subject: 'a red fox', shots: [shot] }), 'title'],
    ['storyboard shot prompt', '/api/storyboards', false, (t) => ({ title: 'Fox', subject: 'a red fox', shots: [{ prompt: t }] }), 'shots.0.prompt'],
    ['batch name', '/api/batches', false, (t) => ({ name: t, product: { subject: 'a red apple' }, templates: ['squish'], count: 1 }), 'name'],
    ['batch selling point', '/api/batches', false, (t) => ({ name: 'Apple', product: { subject: 'a red apple' }, selling_points: [t], templates: ['squish'], count: 1 }), 'selling_points.0'],
  ];
  const hostile: [string, string][] = [['NUL', 'a cat\u0000 on the beach'], ['escape', 'a cat \u001b[31m'], ['DEL', 'a cat\u007f'], ['C1', 'a cat\u0085']];

  for (const [where, path, kling, body, field] of places) {
    it.each(hostile)(`refuses %s in the ${where} with 400 naming the field, and charges nothing`, async (_name, text) => {
      const before = (await server.kineo.context.tasks.balance(server.key.access_key)).balance;
      const r = await call(server.url, 'POST', path, { token: kling ? await klingToken(server.key) : server.key.secret_key, json: body(text) });
      expect(r.status).toBe(400);
      const message: string = kling ? r.body.message : r.body.error.message;
      if (kling) expect(r.body).toMatchObject({ code: 1201, data: null });
      else expect(r.body.error).toMatchObject({ code: 'invalid_request', param: field });
      expect(message).toContain(field);
      expect(message).toContain('control characters');
      expect((await server.kineo.context.tasks.balance(server.key.access_key)).balance).toBe(before);
    });
  }

  it('takes tabs and line breaks in a prompt', async () => {
    const r = await call(server.url, 'POST', '/api/tasks', { token: server.key.secret_key, json: { prompt: 'a cat\n\tbounces on the beach\r\n', model: 'oracle' } });
    expect(r.status).toBe(201);
  });

  it('writes container tags holding control characters without failing ffmpeg', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-hostile-'));
    try {
      const path = join(dir, 'tagged.mp4');
      const clip = { frames: 2, width: 16, height: 16, data: new Uint8Array(2 * 16 * 16 * 3).fill(128) };
      await encodeVideo(clip, { path, format: 'mp4', fps: 8, metadata: { title: 'a\u0000fox\u001b', comment: 'AI-generated' } });
      expect(probeMp4(readFileSync(path)).tags).toMatchObject({ title: 'a fox ', comment: 'AI-generated' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

type Family = 'kling' | 'openai' | 'native';

/** The error body of each wire format: Kling's {code, message, request_id, data: null}; OpenAI's and ours {error}. */
function expectEnvelope(r: { status: number; body: any }, family: Family, status: number, code: string | number): void {
  expect(r.status).toBe(status);
  if (family === 'kling') {
    expect(r.body).toEqual({ code, message: expect.any(String), request_id: expect.any(String), data: null });
    expect(r.body.message.length).toBeGreaterThan(10);
  } else {
    expect(r.body).toEqual({ error: { code, message: expect.any(String), type: expect.any(String), param: expect.toSatisfy((p) => p === null || typeof p === 'string') } });
    expect(r.body.error.message.length).toBeGreaterThan(10);
  }
}

describe('every error in the caller\'s wire format', () => {
  let server: TestServer;
  let jwt: string;
  beforeAll(async () => {
    server = await startServer({ workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
    jwt = await klingToken(server.key);
  });
  afterAll(() => server.stop());

  const families: [Family, string][] = [['kling', '/v1/videos/text2video/'], ['openai', '/v1/videos/'], ['native', '/api/tasks/']];
  const token = (family: Family) => (family === 'kling' ? jwt : server.key.secret_key);
  const codes = (family: Family, native: string, kling: number) => (family === 'kling' ? kling : native);

  it.each(families)('answers a path that is not valid percent-encoding in the %s format', async (family, prefix) => {
    const r = await call(server.url, 'GET', `${prefix}%zz`, { token: token(family) });
    expectEnvelope(r, family, 400, codes(family, 'invalid_url', 1200));
  });

  it.each(families)('lets ids up to the schema\'s 300 characters reach the schema, and answers longer ones, in the %s format', async (family, prefix) => {
    expectEnvelope(await call(server.url, 'GET', `${prefix}${'a'.repeat(300)}`, { token: token(family) }), family, 404, codes(family, 'not_found', 1203));
    const over = await call(server.url, 'GET', `${prefix}${'a'.repeat(301)}`, { token: token(family) });
    expectEnvelope(over, family, 400, codes(family, 'invalid_request', 1201));
    expectEnvelope(await call(server.url, 'GET', `${prefix}${'a'.repeat(2000)}`, { token: token(family) }), family, 414, codes(family, 'uri_too_long', 1200));
  });

  it.each(families)('answers headers too large for the server in the %s format', async (family, prefix) => {
    const r = await call(server.url, 'GET', `${prefix}x`, { token: token(family), headers: { 'x-padding': 'a'.repeat(20_000) } });
    expectEnvelope(r, family, 431, codes(family, 'headers_too_large', 1200));
  });
});

describe('the SSRF guard', () => {
  let server: TestServer;
  let jwt: string;
  beforeAll(async () => {
    server = await startServer({ workers: { oracle: 0, builtin: 0 }, builtin: { preload: false }, security: { allowPrivateUrls: false } });
    jwt = await klingToken(server.key);
  });
  afterAll(() => server.stop());

  // Every form that reaches a loopback, private, link-local or metadata address.
  const hostile = [
    'http://127.0.0.1/', 'http://127.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://0.0.0.0/', 'http://localhost/',
    'http://10.0.0.1/', 'http://172.16.0.1/', 'http://192.168.1.1/', 'http://100.64.0.1/', 'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/', 'http://[::]/', 'http://[fe80::1]/', 'http://[fc00::1]/', 'http://[fd00:ec2::254]/',
    'http://[::127.0.0.1]/', 'http://[::169.254.169.254]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://[::ffff:a9fe:a9fe]/',
    'http://[::ffff:0:7f00:1]/', 'http://[2002:7f00:1::]/', 'http://[2002:a9fe:a9fe::1]/', 'http://[64:ff9b::127.0.0.1]/', 'http://[64:ff9b::a9fe:a9fe]/',
    'http://[64:ff9b:1::a9fe:a9fe]/', 'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
  ];
  const png = 'image.png';
  // Each URL input: [name, method, path, Kling?, body carrying the URL, field named in the refusal]
  const inputs: [string, string, boolean, (u: string) => unknown][] = [
    ['Kling callback_url', '/v1/videos/text2video', true, (u) => ({ prompt: 'a cat', callback_url: u })],
    ['Kling image', '/v1/videos/image2video', true, (u) => ({ image: `${u}${png}` })],
    ['Kling image_tail', '/v1/videos/image2video', true, (u) => ({ image: testPng(16, 16).toString('base64'), image_tail: `${u}${png}` })],
    ['Kling effects input.image', '/v1/videos/effects', true, (u) => ({ effect_scene: 'squish', input: { image: `${u}${png}` } })],
    ['native image', '/api/tasks', false, (u) => ({ prompt: 'a cat', image: `${u}${png}` })],
    ['native callback_url', '/api/tasks', false, (u) => ({ prompt: 'a cat', callback_url: u })],
    ['OpenAI input_reference.image_url', '/v1/videos', false, (u) => ({ prompt: 'a cat', input_reference: { image_url: `${u}${png}` } })],
    ['webhook endpoint', '/api/webhooks', false, (u) => ({ url: u })],
    ['batch product image', '/api/batches', false, (u) => ({ name: 'Apple', product: { image: `${u}${png}` }, templates: ['squish'], count: 1 })],
  ];
  for (const [name, path, kling, body] of inputs) {
    it(`refuses every hostile URL form in the ${name}`, async () => {
      for (const u of hostile) {
        const r = await call(server.url, 'POST', path, { token: kling ? jwt : server.key.secret_key, json: body(u) });
        expect(r.status, u).toBe(400);
        if (kling) expect(r.body, u).toMatchObject({ code: 1201, message: expect.stringMatching(/loopback, private or link-local|does not resolve/), data: null });
        else expect(r.body.error.code, u).toBe('url_not_allowed');
      }
    });
  }

  it('refuses an empty picture URL', async () => {
    for (const [path, json, kling] of [
      ['/v1/videos', { prompt: 'a cat', input_reference: { image_url: '' } }, false],
      ['/v1/videos', { prompt: 'a cat', input_reference: { image_url: '   ' } }, false],
      ['/v1/videos/image2video', { image: '' }, true],
      ['/api/tasks', { prompt: 'a cat', image: '' }, false],
    ] as const) {
      const r = await call(server.url, 'POST', path, { token: kling ? jwt : server.key.secret_key, json });
      expect(r.status, JSON.stringify(json)).toBe(400);
    }
  });

  const publicAddresses = ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8'];
  it.each(publicAddresses)('lets the public address %s through', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
  it.each(hostile.map((u) => new URL(u).hostname.replace(/^\[|\]$/g, '')).filter((h) => isIP(h)))('blocks %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it('connects to the address it checked, never to a second DNS answer (rebinding)', async () => {
    // "Public" is 127.0.0.1 and "private" is 127.0.0.2 here: two loopback receivers tell the connections apart.
    const hits = { checked: 0, rebound: 0 };
    const checked = createServer((_req, res) => { hits.checked++; res.end('ok'); });
    const rebound = createServer((_req, res) => { hits.rebound++; res.end('ok'); });
    await new Promise<void>((r) => checked.listen(0, '127.0.0.1', r));
    const port = (checked.address() as AddressInfo).port;
    await new Promise<void>((r, reject) => rebound.once('error', reject).listen(port, '127.0.0.2', r));
    try {
      let lookups = 0;
      const answers = ['127.0.0.1', '127.0.0.2'];
      const guard = new UrlGuard(false, async () => [answers[Math.min(lookups++, 1)]!], (a) => a === '127.0.0.2');
      for (let i = 0; i < 3; i++) {
        lookups = 0;
        const res = await guard.request(`http://rebind.kineo.test:${port}/`, 'url', {});
        res.body.destroy();
        expect(res.status).toBe(200);
        expect(lookups).toBe(1);
      }
      expect(hits).toEqual({ checked: 3, rebound: 0 });
      // and the check itself still refuses a host that answers with the blocked address
      const refusing = new UrlGuard(false, async () => ['127.0.0.2'], (a) => a === '127.0.0.2');
      await expect(refusing.request(`http://rebind.kineo.test:${port}/`, 'url', {})).rejects.toMatchObject({ code: 'url_not_allowed' });
    } finally {
      checked.close();
      rebound.close();
    }
  });
});

/** Records a webhook delivery as the outbox would, and has the dispatcher send it now. */
async function deliver(server: TestServer, url: string): Promise<string> {
  const id = `msg_hostile_${Math.random().toString(36).slice(2)}`;
  const now = Date.now();
  await webhooksRepository.insertDelivery(server.kineo.database.db, {
    id, key_id: server.key.access_key, endpoint_id: null, task_id: null, url, event: 'task.succeeded', payload: '{"hello":"world"}',
    status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, updated_at: now,
  });
  server.kineo.context.webhooks.wake();
  return id;
}

const settled = (server: TestServer, id: string) => waitFor(async () => {
  const d = await server.kineo.context.webhooks.delivery(server.key.access_key, id);
  return d.status !== 'pending' && d;
});

describe('webhook sends', () => {
  it('read a few KiB of a receiver\'s answer, however large, then drop it', async () => {
    const server = await startServer({ workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
    let written = 0;
    let closed!: () => void;
    const receiverClosed = new Promise<void>((r) => (closed = r));
    const flood = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      // an endless answer: written as fast as the client takes it, until the client hangs up
      const pump = () => {
        while (!res.destroyed && written < 1024 ** 3 && res.write(chunk)) written += chunk.byteLength;
      };
      res.on('drain', pump);
      res.on('close', closed);
      pump();
    });
    await new Promise<void>((r) => flood.listen(0, '127.0.0.1', r));
    try {
      const id = await deliver(server, `http://127.0.0.1:${(flood.address() as AddressInfo).port}/hook`);
      expect(await settled(server, id)).toMatchObject({ status: 'succeeded', attempts: 1 });
      await receiverClosed;
      // what was written before the hang-up sits in socket buffers, far from the gigabyte offered
      expect(written).toBeLessThan(32 * 1024 * 1024);
    } finally {
      flood.closeAllConnections();
      flood.close();
      await server.stop();
    }
  });

  it('fail at once, without retries, when the guard refuses the URL at send time', async () => {
    const server = await startServer({ workers: { oracle: 0, builtin: 0 }, builtin: { preload: false }, security: { allowPrivateUrls: false } });
    try {
      // accepted when its host resolved to a public address; now it points at the metadata service
      const id = await deliver(server, 'http://169.254.169.254/latest/meta-data/');
      const d = await settled(server, id);
      expect(d).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null });
      expect(d.last_error).toContain('private or link-local');
    } finally {
      await server.stop();
    }
  });
});

describe('sign-in under attack', () => {
  it('keeps answering other requests through 40 concurrent wrong sign-ins, and limits them with 429 + Retry-After', async () => {
    const server = await startServer({ auth: { mode: 'accounts', attemptsPerMinute: 8 }, workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
    try {
      expect((await call(server.url, 'POST', '/api/auth/signup', { json: { username: 'victim', password: 'correct horse battery' } })).status).toBe(201);
      let finished = false;
      const attempts = Promise.all(Array.from({ length: 40 }, (_, i) =>
        call(server.url, 'POST', '/api/auth/signin', { json: { username: i % 2 ? 'victim' : `nobody${i}`, password: `wrong password ${i}` } })))
        .finally(() => (finished = true));
      // While they run, the server answers: bcrypt runs in a worker thread, not on the event loop.
      expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
      expect(finished).toBe(false);
      const answers = await attempts;
      const limited = answers.filter((r) => r.status === 429);
      expect(answers.filter((r) => r.status !== 429).every((r) => r.status === 401 && r.body.error.code === 'sign_in_failed')).toBe(true);
      // 8 attempts a minute from one address (one was the sign-up): 7 are hashed, the other 33 wait
      expect(limited).toHaveLength(33);
      for (const r of limited) {
        expect(r.body.error.code).toBe('too_many_attempts');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    } finally {
      await server.stop();
    }
  });

  it('makes an account wait after its wrong passwords, whatever the address', async () => {
    const server = await startServer({ auth: { mode: 'accounts', failuresPerAccount: 3 }, workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
    try {
      const signIn = (password: string) => call(server.url, 'POST', '/api/auth/signin', { json: { username: 'victim', password } });
      await call(server.url, 'POST', '/api/auth/signup', { json: { username: 'victim', password: 'correct horse battery' } });
      expect((await signIn('correct horse battery')).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await signIn(`wrong ${i}`)).status).toBe(401);
      const r = await signIn('correct horse battery');
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('too_many_attempts');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(60);
    } finally {
      await server.stop();
    }
  });
});

describe('consistency', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
  });
  afterAll(() => server.stop());
  const sk = () => server.key.secret_key;

  it('does not bring a deleted task back on an Idempotency-Key replay', async () => {
    const headers = { 'idempotency-key': 'hostile-delete' };
    const first = await call(server.url, 'POST', '/v1/videos', { token: sk(), json: { prompt: 'a cat', model: 'oracle' }, headers });
    expect(first.status).toBe(200);
    expect((await call(server.url, 'DELETE', `/v1/videos/${first.body.id}`, { token: sk() })).status).toBe(200);
    const replay = await call(server.url, 'POST', '/v1/videos', { token: sk(), json: { prompt: 'a cat', model: 'oracle' }, headers });
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('idempotency_key_deleted_task');
    expect((await call(server.url, 'GET', `/v1/videos/${first.body.id}`, { token: sk() })).status).toBe(404);
  });

  it('scopes Idempotency-Keys per route family: one key and body on two APIs make two tasks', async () => {
    const headers = { 'idempotency-key': 'hostile-scope' };
    const json = { prompt: 'a dog', model: 'oracle' };
    const openai = await call(server.url, 'POST', '/v1/videos', { token: sk(), json, headers });
    const native = await call(server.url, 'POST', '/api/tasks', { token: sk(), json, headers });
    expect(openai.status).toBe(200);
    expect(native.status).toBe(201);
    expect(native.body.id).not.toBe(openai.body.id);
    // and within a family the key still replays
    const again = await call(server.url, 'POST', '/api/tasks', { token: sk(), json, headers });
    expect(again.body.id).toBe(native.body.id);
  });

  it('lists emoji in a prompt as words the model cannot read', async () => {
    const r = await call(server.url, 'POST', '/api/prompt/check', { token: sk(), json: { prompt: 'a 🐱 bounces on the beach ❤️', negative_prompt: 'no 👨‍👩‍👧' } });
    expect(r.status).toBe(200);
    expect(r.body.unknown_words).toEqual(expect.arrayContaining(['🐱', '❤️']));
    // unusable words are reported as phrases ("no 👨‍👩‍👧"): the emoji is in one, whole (its joiners kept)
    expect(r.body.negative_unknown_words.join(' ')).toContain('👨‍👩‍👧');
  });
});
