/**
 * The cross-key matrix: two users, each with an API key of their own. For every operation of /openapi.json that
 * names an object (tasks, files, batches, storyboards, webhook endpoints and deliveries, community videos, arena
 * pairs, keys) user B — by Bearer key, by Kling JWT on Kling routes, and by session cookie — asks for user A's
 * object and gets exactly what B gets for an id that does not exist: 404 in the route's wire format, never a 403
 * that tells the object exists, never A's data; a destructive call (cancel, delete, revoke, unpublish) leaves A's
 * object as it was. Every list shows only its caller's objects. The matrix is driven by the route table: an
 * operation without an entry here fails the test, so a new route must say how it is scoped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, klingToken, startServer, waitFor, type CallResult, type TestServer } from './helpers.js';
import { operationsOf, type Family, type Operation } from './fuzz.js';
import { testPng } from './media-probe.js';

type Obj = 'task' | 'klingT2V' | 'klingI2V' | 'klingEffects' | 'klingExtend' | 'file' | 'batch' | 'storyboard' | 'endpoint' | 'delivery' | 'video' | 'pair' | 'key';

type Entry =
  /** The path's {id} is one of A's objects: B gets what B gets for a missing id (404, or 403 for everyone). */
  | { object: Obj; body?: () => unknown; destructive?: boolean; missing?: number; notOwnedHere?: string }
  /** A list: B's shows none of A's objects, A's shows A's. */
  | { list: true; emptyForA?: string }
  /** A create whose body names one of A's objects. */
  | { refers: Obj; body: (id: string) => unknown }
  /** No object of a key or user in it. */
  | { none: string };

const MARK = 'a red ball bounces on the beach';
const STORY = { title: 'Private film', subject: 'a red fox', model: 'oracle', size: 128, shots: [{ prompt: 'moves left on the beach' }] };

/** How each operation is scoped. Keyed by "METHOD /path" as /openapi.json spells it. */
const MATRIX: Record<string, Entry> = {
  'POST /v1/videos/text2video': { none: 'creates a task of the caller' },
  'POST /v1/videos/image2video': { none: 'creates a task of the caller (the image is a URL or base64, not an id)' },
  'POST /v1/videos/effects': { none: 'creates a task of the caller' },
  'POST /v1/videos/video-extend': { refers: 'task', body: (id) => ({ video_id: id, prompt: 'more' }) },
  'GET /v1/videos/text2video': { list: true },
  'GET /v1/videos/image2video': { list: true },
  'GET /v1/videos/effects': { list: true },
  'GET /v1/videos/video-extend': { list: true, emptyForA: 'no model here extends videos' },
  'GET /v1/videos/text2video/{id}': { object: 'klingT2V' },
  'GET /v1/videos/image2video/{id}': { object: 'klingI2V' },
  'GET /v1/videos/effects/{id}': { object: 'klingEffects' },
  'GET /v1/videos/video-extend/{id}': { object: 'klingExtend', notOwnedHere: 'a text2video task stands in for an extension, so A gets 404 too' },
  'POST /v1/videos': { none: 'creates a task of the caller (input_reference.file_id is refused for everyone)' },
  'GET /v1/videos': { list: true },
  'POST /v1/videos/extensions': { refers: 'task', body: (id) => ({ video: { id }, prompt: 'more', seconds: '4' }) },
  'GET /v1/videos/{id}': { object: 'task' },
  'DELETE /v1/videos/{id}': { object: 'task', destructive: true },
  'GET /v1/videos/{id}/content': { object: 'task' },
  'POST /v1/videos/{id}/remix': { object: 'task', body: () => ({ prompt: 'again' }) },
  'POST /api/tasks': { refers: 'video', body: (id) => ({ model: 'oracle', prompt: 'a remix', remixed_from: id }) },
  'GET /api/tasks': { list: true },
  'GET /api/tasks/{id}': { object: 'task' },
  'DELETE /api/tasks/{id}': { object: 'task', destructive: true },
  'POST /api/tasks/{id}/cancel': { object: 'task', destructive: true },
  'GET /api/tasks/{id}/events': { object: 'task' },
  'GET /api/files': { list: true },
  'GET /api/files/{id}': { object: 'file' },
  'GET /api/files/{id}/content': { object: 'file' },
  'GET /files/{id}': { none: 'a signed link: the signature is the credential, checked by the signed-link tests' },
  'GET /api/balance': { none: 'the caller\'s own balance' },
  'GET /api/ledger': { list: true },
  'GET /api/me': { none: 'the caller\'s own key' },
  'GET /api/models': { none: 'the server\'s models' },
  'POST /api/webhooks': { none: 'creates an endpoint of the caller' },
  'GET /api/webhooks': { list: true },
  'DELETE /api/webhooks/{id}': { object: 'endpoint', destructive: true },
  'GET /api/webhooks/deliveries': { list: true },
  'GET /api/webhooks/deliveries/{id}': { object: 'delivery' },
  'GET /api/session': { none: 'the caller\'s own session' },
  'POST /api/auth/signup': { none: 'creates an account' },
  'POST /api/auth/signin': { none: 'signs in' },
  'POST /api/auth/signout': { none: 'ends the caller\'s own session' },
  'GET /api/keys': { list: true },
  'POST /api/keys': { none: 'creates a key of the caller' },
  'DELETE /api/keys/{id}': { object: 'key', destructive: true },
  'POST /api/prompt/check': { none: 'reads a prompt' },
  'GET /api/feed': { list: true },
  'GET /api/my/videos': { list: true, emptyForA: 'the studio key\'s videos; A\'s were made with another key of A\'s' },
  'GET /api/videos/{id}': { object: 'video' },
  'POST /api/videos/{id}/publish': { object: 'video', destructive: true },
  'POST /api/videos/{id}/unpublish': { object: 'video', destructive: true },
  'POST /api/videos/{id}/like': { object: 'video', destructive: true },
  'DELETE /api/videos/{id}/like': { object: 'video', destructive: true },
  'POST /api/videos/{id}/view': { object: 'video', destructive: true },
  'POST /api/videos/{id}/report': { object: 'video', body: () => ({ reason: 'spam' }), destructive: true },
  // admins only: B (not an admin) is refused with 403 whether the video exists or not
  'POST /api/videos/{id}/hide': { object: 'video', body: () => ({ hidden: true }), destructive: true, missing: 403 },
  'GET /api/effects': { none: 'the template catalog' },
  'GET /api/effects/{id}/preview.gif': { none: 'a template\'s preview' },
  'POST /api/arena/pairs': { none: 'serves the caller a pair' },
  'GET /api/arena/pairs/{id}': { object: 'pair' },
  'POST /api/arena/pairs/{id}/vote': { object: 'pair', body: () => ({ vote: 'left' }), destructive: true },
  'GET /api/arena/leaderboard': { none: 'public standings' },
  'POST /api/batches/estimate': { none: 'prices a batch' },
  'POST /api/batches': { none: 'creates a batch of the caller (the product image is a URL or base64, not an id)' },
  'GET /api/batches': { list: true },
  'GET /api/batches/{id}': { object: 'batch' },
  'POST /api/batches/{id}/cancel': { object: 'batch', destructive: true },
  'GET /api/batches/{id}/zip': { object: 'batch' },
  'POST /api/storyboards': { none: 'creates a storyboard of the caller' },
  'GET /api/storyboards': { list: true },
  'POST /api/storyboards/estimate': { none: 'prices a storyboard' },
  'GET /api/storyboards/{id}': { object: 'storyboard' },
  'POST /api/storyboards/{id}/cancel': { object: 'storyboard', destructive: true },
};

interface Who {
  name: string;
  secret: string;
  access: string;
  cookie: string;
  csrf: string;
}

/** One way of being someone: Bearer key, Kling JWT (Kling routes), or the studio session. */
type Auth = 'key' | 'jwt' | 'session';

async function signUp(url: string, username: string): Promise<Who> {
  const res = await fetch(`${url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'correct horse battery' }) });
  expect(res.status).toBe(201);
  const body = await res.json() as { csrf_token: string };
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const key = await call(url, 'POST', '/api/keys', { json: { name: `${username} key` }, headers: { cookie, 'x-csrf-token': body.csrf_token } });
  expect(key.status).toBe(201);
  return { name: username, secret: key.body.secret_key, access: key.body.access_key, cookie, csrf: body.csrf_token };
}

async function ask(url: string, who: Who, auth: Auth, method: string, path: string, json?: unknown): Promise<CallResult> {
  const headers: Record<string, string> = {};
  let token: string | undefined;
  if (auth === 'session') {
    headers.cookie = who.cookie;
    if (method !== 'GET') headers['x-csrf-token'] = who.csrf;
  } else token = auth === 'jwt' ? await klingToken({ access_key: who.access, secret_key: who.secret }) : who.secret;
  // the SSE stream answers with headers and then stays open: read the status and hang up
  if (path.endsWith('/events')) {
    const ctl = new AbortController();
    const res = await fetch(`${url}${path}`, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: ctl.signal });
    const body = res.headers.get('content-type')?.includes('json') ? await res.json() : 'stream';
    ctl.abort();
    return { status: res.status, headers: res.headers, body };
  }
  return call(url, method, path, { token, json, headers });
}

function expect404(r: CallResult, family: Family, what: string, status = 404): void {
  expect(r.status, what).toBe(status);
  if (family === 'kling') expect(r.body, what).toMatchObject({ code: expect.any(Number), data: null });
  else expect(Object.keys(r.body), what).toEqual(['error']);
}

describe('the cross-key matrix', () => {
  let server: TestServer;
  let receiver: Server;
  let a: Who;
  let b: Who;
  const objects = {} as Record<Obj, string>;
  let ops: Operation[];

  beforeAll(async () => {
    receiver = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    server = await startServer({ auth: { mode: 'accounts' }, builtin: { preload: false }, workers: { builtin: 0, oracle: 2 }, oracle: { delayMs: 0 } });
    a = await signUp(server.url, 'alice'); // the first account: the admin
    b = await signUp(server.url, 'bob');
    const sk = a.secret;
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const jwt = await klingToken({ access_key: a.access, secret_key: a.secret });

    const task = await call(server.url, 'POST', '/api/tasks', { token: sk, json: { model: 'oracle', prompt: MARK, callback_url: hook } });
    expect(task.status).toBe(201);
    objects.task = task.body.id;
    const video = await call(server.url, 'POST', '/api/tasks', { token: sk, json: { model: 'oracle', prompt: `${MARK} again` } });
    objects.video = video.body.id; // stays unpublished: B must not see it
    const t2v = await call(server.url, 'POST', '/v1/videos/text2video', { token: jwt, json: { model_name: 'oracle', prompt: MARK } });
    expect(t2v.status, JSON.stringify(t2v.body)).toBe(200);
    objects.klingT2V = t2v.body.data.task_id;
    const i2v = await call(server.url, 'POST', '/v1/videos/image2video', { token: jwt, json: { image: testPng(64, 64).toString('base64'), prompt: MARK } });
    expect(i2v.status, JSON.stringify(i2v.body)).toBe(200);
    objects.klingI2V = i2v.body.data.task_id; // the built-in model's, which no worker runs here: it stays queued
    const fx = await call(server.url, 'POST', '/v1/videos/effects', { token: jwt, json: { effect_scene: 'squish', input: { prompt: MARK } } });
    expect(fx.status, JSON.stringify(fx.body)).toBe(200);
    objects.klingEffects = fx.body.data.task_id; // queued too (effects run on the built-in model)
    const done = (id: string) => waitFor(async () => { const t = (await call(server.url, 'GET', `/api/tasks/${id}`, { token: sk })).body; if (process.env.DEBUG_XK) console.log(JSON.stringify(t).slice(0, 600)); return t.status === 'succeeded'; }, 30_000, 1000);
    await done(objects.task);
    // No model here extends videos (the oracle cannot, the built-in one does not run): A's text2video task stands in.
    objects.klingExtend = objects.klingT2V;
    objects.file = (await call(server.url, 'GET', `/api/tasks/${objects.task}`, { token: sk })).body.files[0].id;
    const batch = await call(server.url, 'POST', '/api/batches', { token: sk, json: { name: MARK, product: { subject: 'a red apple' }, templates: ['squish'], aspect_ratios: ['1:1'], count: 1, model: 'oracle' } });
    expect(batch.status, JSON.stringify(batch.body)).toBe(201);
    objects.batch = batch.body.id;
    const story = await call(server.url, 'POST', '/api/storyboards', { token: sk, json: STORY });
    expect(story.status, JSON.stringify(story.body)).toBe(201);
    objects.storyboard = story.body.id;
    const endpoint = await call(server.url, 'POST', '/api/webhooks', { token: sk, json: { url: hook } });
    expect(endpoint.status).toBe(201);
    objects.endpoint = endpoint.body.id;
    objects.delivery = await waitFor(async () => (await call(server.url, 'GET', '/api/webhooks/deliveries', { token: sk })).body.data[0]?.id, 30_000);
    const pair = await call(server.url, 'POST', '/api/arena/pairs', { headers: { cookie: a.cookie, 'x-csrf-token': a.csrf }, json: {} });
    expect(pair.status, JSON.stringify(pair.body)).toBe(201);
    objects.pair = pair.body.id;
    objects.key = (await call(server.url, 'POST', '/api/keys', { json: { name: 'spare' }, headers: { cookie: a.cookie, 'x-csrf-token': a.csrf } })).body.access_key;
    await Promise.all([objects.video, objects.klingT2V].map(done));
    await waitFor(async () => ['succeeded', 'partially_failed'].includes((await call(server.url, 'GET', `/api/batches/${objects.batch}`, { token: sk })).body.status), 60_000, 100);
    ops = operationsOf((await call(server.url, 'GET', '/openapi.json')).body);
  }, 120_000);
  afterAll(async () => {
    receiver?.close();
    await server?.stop();
  });

  const authsFor = (op: Operation): Auth[] => (op.family === 'kling' ? ['key', 'jwt', 'session'] : ['key', 'session']);
  const pathOf = (op: Operation, id: string) => op.path.replace('{id}', encodeURIComponent(id));
  /** Everything of A's that must never appear in an answer to B. */
  const secretsOfA = () => [...Object.values(objects), MARK, a.secret];

  it('has an entry for every operation of the route table', () => {
    const missing = ops.map((o) => `${o.method} ${o.path}`).filter((k) => !(k in MATRIX));
    expect(missing, 'operations without a cross-key entry: say how each is scoped').toEqual([]);
    const stale = Object.keys(MATRIX).filter((k) => !ops.some((o) => `${o.method} ${o.path}` === k));
    expect(stale, 'entries for operations that no longer exist').toEqual([]);
  });

  it('answers B for A\'s objects exactly as for objects that do not exist, in every wire format and way of signing in', async () => {
    let cells = 0;
    // reads first, then the destructive calls (whose attempt must leave A's objects alone)
    const objectOps = ops.filter((o) => 'object' in MATRIX[`${o.method} ${o.path}`]!)
      .sort((x, y) => Number(!!(MATRIX[`${x.method} ${x.path}`] as { destructive?: boolean }).destructive) - Number(!!(MATRIX[`${y.method} ${y.path}`] as { destructive?: boolean }).destructive));
    for (const op of objectOps) {
      const entry = MATRIX[`${op.method} ${op.path}`] as Extract<Entry, { object: Obj }>;
      const id = objects[entry.object];
      for (const auth of authsFor(op)) {
        const what = `${op.method} ${op.path} by B (${auth}) on A's ${entry.object} ${id}`;
        const r = await ask(server.url, b, auth, op.method, pathOf(op, id), entry.body?.());
        const missing = await ask(server.url, b, auth, op.method, pathOf(op, `${id.slice(0, -4)}0000`), entry.body?.());
        expect404(r, op.family, what, entry.missing ?? 404);
        expect({ status: r.status, code: r.body.code ?? r.body.error?.code }, `${what}: as for a missing id`).toEqual({ status: missing.status, code: missing.body.code ?? missing.body.error?.code });
        const text = JSON.stringify(r.body);
        for (const s of secretsOfA().filter((x) => x !== id)) expect(text, what).not.toContain(s);
        cells++;
      }
      // A, by key, still has it (reads answer A; destructive ones are not tried by A)
      if (!entry.destructive && !entry.notOwnedHere) {
        const own = await ask(server.url, a, op.family === 'kling' ? 'jwt' : 'key', op.method, pathOf(op, id), entry.body?.());
        // found (a create from it may still refuse A's request for its own reasons, such as a model that cannot remix)
        expect(own.status, `${op.method} ${op.path} by A: ${JSON.stringify(own.body)}`).not.toBe(404);
        expect(own.status, `${op.method} ${op.path} by A`).toBeLessThan(500);
      }
    }
    // after every destructive attempt by B, A's objects are as they were
    const sk = a.secret;
    expect((await call(server.url, 'GET', `/api/tasks/${objects.task}`, { token: sk })).body).toMatchObject({ status: 'succeeded' });
    expect((await call(server.url, 'GET', `/api/batches/${objects.batch}`, { token: sk })).body.status).not.toBe('cancelled');
    expect((await call(server.url, 'GET', `/api/storyboards/${objects.storyboard}`, { token: sk })).body.status).not.toBe('cancelled');
    expect((await call(server.url, 'GET', '/api/webhooks', { token: sk })).body.data.map((e: { id: string }) => e.id)).toContain(objects.endpoint);
    const keys = (await call(server.url, 'GET', '/api/keys', { headers: { cookie: a.cookie } })).body.data;
    expect(keys.find((k: { access_key: string }) => k.access_key === objects.key).revoked_at).toBeNull();
    const video = (await call(server.url, 'GET', `/api/videos/${objects.video}`, { token: sk })).body;
    expect(video).toMatchObject({ id: objects.video, published: false, likes: 0, views: 0 });
    console.log(`cross-key: ${cells} object cells over ${objectOps.length} operations`);
  });

  it('refuses B a create that names A\'s object, as if it did not exist', async () => {
    for (const op of ops.filter((o) => 'refers' in MATRIX[`${o.method} ${o.path}`]!)) {
      const entry = MATRIX[`${op.method} ${op.path}`] as Extract<Entry, { refers: Obj }>;
      const id = objects[entry.refers];
      for (const auth of authsFor(op)) {
        const r = await ask(server.url, b, auth, op.method, op.path, entry.body(id));
        const missing = await ask(server.url, b, auth, op.method, op.path, entry.body(`${id.slice(0, -4)}0000`));
        const what = `${op.method} ${op.path} by B (${auth}) naming A's ${entry.refers}`;
        expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
        expect(r.status, what).not.toBe(403);
        expect({ status: r.status, code: r.body.code ?? r.body.error?.code }, `${what}: as for a missing id`).toEqual({ status: missing.status, code: missing.body.code ?? missing.body.error?.code });
        for (const s of secretsOfA().filter((x) => x !== id)) expect(JSON.stringify(r.body), what).not.toContain(s);
      }
    }
  });

  it('lists only the caller\'s own objects', async () => {
    let cells = 0;
    for (const op of ops.filter((o) => 'list' in MATRIX[`${o.method} ${o.path}`]!)) {
      for (const auth of authsFor(op)) {
        const r = await ask(server.url, b, auth, op.method, op.path);
        expect(r.status, `${op.path} by B (${auth})`).toBe(200);
        const text = JSON.stringify(r.body);
        for (const s of secretsOfA()) expect(text, `${op.method} ${op.path} by B (${auth})`).not.toContain(s);
        cells++;
      }
      // A's own list shows A's objects (the feed shows only published videos, and A published none)
      if (op.path !== '/api/feed' && !(MATRIX[`${op.method} ${op.path}`] as { emptyForA?: string }).emptyForA) {
        const own = JSON.stringify((await ask(server.url, a, op.family === 'kling' ? 'jwt' : 'key', op.method, op.path)).body);
        expect(Object.values(objects).some((id) => own.includes(id)), `${op.method} ${op.path} by A shows A's objects`).toBe(true);
      }
    }
    // a list filtered by A's task id, asked by B, is empty
    expect((await call(server.url, 'GET', `/api/webhooks/deliveries?task_id=${objects.task}`, { token: b.secret })).body.data).toEqual([]);
    console.log(`cross-key: ${cells} list cells`);
  });
});
