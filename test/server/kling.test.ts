/** The Kling wire format, as a client written from Kling's public docs uses it: JWT auth, envelope, paging, errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { call, klingToken, startServer, waitFor, type TestServer } from './helpers.js';

describe('the Kling wire format', () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startServer();
    token = await klingToken(server.key);
  });
  afterAll(() => server.stop());

  const poll = (path: string, t = token) => waitFor(async () => {
    const r = await call(server.url, 'GET', path, { token: t });
    return r.body.data?.task_status === 'succeed' || r.body.data?.task_status === 'failed' ? r : undefined;
  }, 60_000);

  it('creates a text2video task and finds it by task_id and by external_task_id until it succeeds', async () => {
    const created = await call(server.url, 'POST', '/v1/videos/text2video', {
      token, json: { model_name: 'oracle', prompt: 'a rabbit jumps in the desert', negative_prompt: 'blur', cfg_scale: 0.5, mode: 'std', aspect_ratio: '1:1', duration: '2', external_task_id: 'my-order-1' },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ code: 0, message: 'SUCCEED', request_id: expect.any(String), data: { task_status: 'submitted', task_info: { external_task_id: 'my-order-1' } } });
    expect(created.body.request_id).toBe(created.headers.get('x-request-id'));
    const { task_id, created_at } = created.body.data;
    expect(created_at).toBeGreaterThan(1e12); // milliseconds
    const done = await poll(`/v1/videos/text2video/${task_id}`);
    expect(done.body.data).toMatchObject({ task_id, task_status: 'succeed', task_result: { videos: [{ id: expect.any(String), url: expect.stringMatching(/^http/), duration: '2' }] } });
    const byExternal = await call(server.url, 'GET', '/v1/videos/text2video/my-order-1', { token });
    expect(byExternal.body.data.task_id).toBe(task_id);
    // The url is fetchable without headers (a signed link), like Kling's CDN links.
    const video = await fetch(done.body.data.task_result.videos[0].url);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect((await fetch(done.body.data.task_result.videos[0].url.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(404);
  });

  it('runs the real engine (tiny fixture model) through text2video', async () => {
    const created = await call(server.url, 'POST', '/v1/videos/text2video', { token, json: { prompt: 'a cat moves left on the beach', camera_control: { type: 'simple', config: { zoom: 5 } } } });
    expect(created.status).toBe(200);
    const done = await poll(`/v1/videos/text2video/${created.body.data.task_id}`);
    expect(done.body.data.task_status).toBe('succeed');
    const native = await call(server.url, 'GET', `/api/tasks/${created.body.data.task_id}`, { token: server.key.secret_key });
    expect(native.body).toMatchObject({ model: 'kineo-tiny', provider: 'builtin', prompt: 'a cat moves left on the beach, the camera zooms in' });
  });

  it('lists with pageNum and pageSize, returning a bare array per capability', async () => {
    const key = await server.newKey();
    const t = await klingToken(key);
    for (let i = 0; i < 3; i++) await call(server.url, 'POST', '/v1/videos/text2video', { token: t, json: { model_name: 'oracle', prompt: `a duck swims ${i}` } });
    await call(server.url, 'POST', '/v1/videos/effects', { token: t, json: { effect_scene: 'squish', input: { model_name: 'oracle', prompt: 'a cat on the beach' } } });
    const page1 = await call(server.url, 'GET', '/v1/videos/text2video?pageNum=1&pageSize=2', { token: t });
    expect(page1.body.code).toBe(0);
    expect(Array.isArray(page1.body.data)).toBe(true);
    expect(page1.body.data).toHaveLength(2);
    const page2 = await call(server.url, 'GET', '/v1/videos/text2video?pageNum=2&pageSize=2', { token: t });
    expect(page2.body.data).toHaveLength(1);
    const effects = await call(server.url, 'GET', '/v1/videos/effects', { token: t });
    expect(effects.body.data).toHaveLength(1);
    const bad = await call(server.url, 'GET', '/v1/videos/text2video?pageSize=501', { token: t });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(1201);
  });

  it('maps effect scenes onto the world\'s effects and refuses unknown ones', async () => {
    const ok = await call(server.url, 'POST', '/v1/videos/effects', { token, json: { effect_scene: 'expansion', input: { model_name: 'oracle', prompt: 'a pig on the grass', duration: '2' } } });
    expect(ok.status).toBe(200);
    const native = await call(server.url, 'GET', `/api/tasks/${ok.body.data.task_id}`, { token: server.key.secret_key });
    expect(native.body.prompt).toBe('a pig on the grass inflates');
    const bad = await call(server.url, 'POST', '/v1/videos/effects', { token, json: { effect_scene: 'hug', input: { prompt: 'a cat' } } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 1201, data: null, message: expect.stringContaining('effect_scene "hug"') });
  });

  it('refuses what the model cannot honour with a clear 4xx: duration, aspect ratio, images', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/v1/videos/text2video', { prompt: 'a cat', duration: '30' }, /clips of 2, 1, 3/],
      ['/v1/videos/text2video', { prompt: 'a cat', duration: '10', model_name: 'oracle' }, /2-second clips/],
      ['/v1/videos/text2video', { prompt: 'a cat', aspect_ratio: '16:9', model_name: 'oracle' }, /draws 1:1; it cannot make 16:9/],
      ['/v1/videos/text2video', { prompt: 'a cat', camera_control: { type: 'simple', config: { roll: 3 } } }, /roll/],
      ['/v1/videos/image2video', { model_name: 'oracle', image: PNG.sync.write(new PNG({ width: 2, height: 2 })).toString('base64') }, /cannot start from a picture/],
      ['/v1/videos/image2video', { image: '%%% not base64 %%%' }, /base64/],
      ['/v1/videos/image2video', { image: Buffer.from('hello world, not an image').toString('base64') }, /PNG, JPEG or WebP/],
      ['/v1/videos/image2video', { prompt: 'a cat' }, /image_tail/],
    ];
    for (const [path, json, message] of cases) {
      const r = await call(server.url, 'POST', path, { token, json });
      expect(r.status, JSON.stringify(json)).toBe(400);
      expect(r.body).toMatchObject({ code: 1201, data: null });
      expect(r.body.message).toMatch(message);
    }
  });

  describe('JWT authentication', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const get = (t?: string) => call(server.url, 'GET', '/v1/videos/text2video', { token: t });

    it('accepts a valid token', async () => {
      expect((await get(token)).status).toBe(200);
    });
    it('refuses a missing header with 1001', async () => {
      expect(await get()).toMatchObject({ status: 401, body: { code: 1001 } });
    });
    it('refuses an expired token with 1004', async () => {
      expect(await get(await klingToken(server.key, { exp: now() - 60, nbf: now() - 120 }))).toMatchObject({ status: 401, body: { code: 1004 } });
    });
    it('refuses a token that is not valid yet with 1003', async () => {
      expect(await get(await klingToken(server.key, { nbf: now() + 600 }))).toMatchObject({ status: 401, body: { code: 1003 } });
    });
    it('refuses a token signed with the wrong secret with 1000', async () => {
      expect(await get(await klingToken(server.key, { secret: 'not-the-secret' }))).toMatchObject({ status: 401, body: { code: 1000 } });
    });
    it('refuses a token whose iss is unknown with 1000', async () => {
      expect(await get(await klingToken(server.key, { iss: 'ak_nobody' }))).toMatchObject({ status: 401, body: { code: 1000 } });
    });
    it('never accepts the access key alone', async () => {
      expect(await get(server.key.access_key)).toMatchObject({ status: 401, body: { code: 1002 } });
    });
    it('keeps tasks to their key: another key\'s task is 404 (1203)', async () => {
      const created = await call(server.url, 'POST', '/v1/videos/text2video', { token, json: { model_name: 'oracle', prompt: 'a cow stays', external_task_id: 'private-1' } });
      const other = await klingToken(await server.newKey());
      expect(await call(server.url, 'GET', `/v1/videos/text2video/${created.body.data.task_id}`, { token: other })).toMatchObject({ status: 404, body: { code: 1203 } });
      expect(await call(server.url, 'GET', '/v1/videos/text2video/private-1', { token: other })).toMatchObject({ status: 404, body: { code: 1203 } });
    });
  });
});
