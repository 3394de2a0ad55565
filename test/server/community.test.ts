import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, klingToken, startServer, waitFor, type TestServer } from './helpers.js';

/** Signs up through the API; returns the cookie and CSRF token a browser would hold. */
async function signUp(url: string, username: string) {
  const res = await fetch(`${url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'correct horse battery' }) });
  const body = await res.json() as { user: { is_admin: boolean }; csrf_token: string };
  const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
  return { status: res.status, body, headers: { cookie, 'x-csrf-token': body.csrf_token } };
}

describe('a loopback-only server', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ builtin: { preload: false } }); });
  afterAll(() => s.stop());

  it('signs the local user in automatically, as the admin, in an http-only SameSite=Strict cookie', async () => {
    const res = await fetch(`${s.url}/api/session`);
    const body = await res.json() as { user: { username: string; is_admin: boolean }; mode: string };
    expect(body.mode).toBe('local');
    expect(body.user).toMatchObject({ username: 'local', is_admin: true });
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('does not sign in a page that reaches it under another host name (DNS rebinding)', async () => {
    const res = await s.kineo.app.inject({ method: 'GET', url: '/api/session', headers: { host: 'evil.example' } });
    expect(res.json()).toMatchObject({ user: null });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses changes made with the session cookie but without its CSRF token', async () => {
    const res = await fetch(`${s.url}/api/session`);
    const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
    const r = await call(s.url, 'POST', '/api/tasks', { json: { prompt: 'a cat', model: 'oracle' }, headers: { cookie } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('csrf_failed');
  });

  it('serves the studio at / and its pages to browsers, JSON 404s to API clients', async () => {
    const page = await fetch(`${s.url}/feed`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect((await call(s.url, 'GET', '/api/nothing', { token: s.key.secret_key })).status).toBe(404);
  });
});

describe('accounts and the community', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startServer({ auth: { mode: 'accounts' }, builtin: { preload: false } }); });
  afterAll(() => s.stop());

  it('makes the first account the admin, hashes passwords and refuses a wrong one', async () => {
    const first = await signUp(s.url, 'ann');
    const second = await signUp(s.url, 'ben');
    expect(first.status).toBe(201);
    expect(first.body.user.is_admin).toBe(true);
    expect(second.body.user.is_admin).toBe(false);
    expect((await signUp(s.url, 'ann')).status).toBe(409);
    const bad = await call(s.url, 'POST', '/api/auth/signin', { json: { username: 'ann', password: 'wrong password' } });
    expect(bad.status).toBe(401);
    const row = await s.kineo.database.db.selectFrom('users').select('password_hash').where('username', '=', 'ann').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$2[aby]\$/);
    expect((await call(s.url, 'GET', '/api/session')).body.user).toBeNull();
  });

  it('publishes, counts one like per user and views by others, and links remixes to their parent', async () => {
    const ann = await signUp(s.url, 'ann2');
    const ben = await signUp(s.url, 'ben2');
    const created = await call(s.url, 'POST', '/api/tasks', { json: { prompt: 'a red cat bounces on the beach', model: 'oracle', seed: 3 }, headers: ann.headers });
    const id = created.body.id as string;
    await waitFor(async () => (await call(s.url, 'GET', `/api/tasks/${id}`, { headers: ann.headers })).body.status === 'succeeded');
    expect((await call(s.url, 'GET', `/api/videos/${id}`, { headers: ben.headers })).status).toBe(404); // not published yet
    expect((await call(s.url, 'POST', `/api/videos/${id}/publish`, { headers: ben.headers })).status).toBe(404); // not ben's
    expect((await call(s.url, 'POST', `/api/videos/${id}/publish`, { headers: ann.headers })).body.published).toBe(true);

    await call(s.url, 'POST', `/api/videos/${id}/like`, { headers: ben.headers });
    const twice = await call(s.url, 'POST', `/api/videos/${id}/like`, { headers: ben.headers });
    expect(twice.body).toMatchObject({ liked: true, likes: 1 });
    await call(s.url, 'POST', `/api/videos/${id}/view`, { headers: ben.headers });
    await call(s.url, 'POST', `/api/videos/${id}/view`, { headers: ann.headers }); // the owner's views do not count
    const feed = await call(s.url, 'GET', '/api/feed?sort=popular', { headers: ben.headers });
    expect(feed.body.data.find((v: { id: string }) => v.id === id)).toMatchObject({ likes: 1, views: 1, liked: true, author: 'ann2' });
    expect((await call(s.url, 'DELETE', `/api/videos/${id}/like`, { headers: ben.headers })).body.likes).toBe(0);

    const remix = await call(s.url, 'POST', '/api/tasks', { json: { prompt: 'a red cat bounces on the beach', model: 'oracle', seed: 4, remixed_from: id }, headers: ben.headers });
    expect(remix.status).toBe(201);
    expect(remix.body.remixed_from).toBe(id);
    await waitFor(async () => (await call(s.url, 'GET', `/api/tasks/${remix.body.id}`, { headers: ben.headers })).body.status === 'succeeded');
    await call(s.url, 'POST', `/api/videos/${remix.body.id}/publish`, { headers: ben.headers });
    const parent = await call(s.url, 'GET', `/api/videos/${id}`, { headers: ann.headers });
    expect(parent.body.children.map((c: { id: string }) => c.id)).toEqual([remix.body.id]);
    expect((await call(s.url, 'GET', `/api/videos/${remix.body.id}`, { headers: ann.headers })).body.parent.id).toBe(id);

    // A remix of something the user cannot see is refused.
    const hidden = await call(s.url, 'POST', '/api/tasks', { json: { prompt: 'a cat', model: 'oracle', remixed_from: 'video_nope' }, headers: ben.headers });
    expect(hidden.status).toBe(400);

    // Reports reach the admin, who can hide the video from the feed.
    await call(s.url, 'POST', `/api/videos/${id}/report`, { json: { reason: 'spam' }, headers: ben.headers });
    expect((await call(s.url, 'POST', `/api/videos/${id}/hide`, { json: { hidden: true }, headers: ben.headers })).status).toBe(403);
    const admin = await call(s.url, 'POST', '/api/auth/signin', { json: { username: 'ann', password: 'correct horse battery' } });
    expect(admin.status).toBe(200);
  });

  it('gives users API keys that work as Bearer keys and stop working when revoked', async () => {
    const u = await signUp(s.url, 'cat');
    const key = await call(s.url, 'POST', '/api/keys', { json: { name: 'script' }, headers: u.headers });
    expect(key.status).toBe(201);
    const asKey = await call(s.url, 'GET', '/api/feed', { token: key.body.secret_key });
    expect(asKey.status).toBe(200);
    const jwt = await klingToken(key.body);
    expect((await call(s.url, 'GET', '/v1/videos/text2video?pageNum=1&pageSize=10', { token: jwt })).status).toBe(200);
    expect((await call(s.url, 'GET', '/api/keys', { headers: u.headers })).body.data).toHaveLength(2); // studio + script
    expect((await call(s.url, 'DELETE', `/api/keys/${key.body.access_key}`, { headers: u.headers })).body.revoked).toBe(true);
    expect((await call(s.url, 'GET', '/api/feed', { token: key.body.secret_key })).status).toBe(401);
    // a JWT verified (and cached) before the revocation stops working too
    expect((await call(s.url, 'GET', '/v1/videos/text2video?pageNum=1&pageSize=10', { token: jwt })).status).toBe(401);
  });
});
