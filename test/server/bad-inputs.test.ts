/** Bad inputs answer 4xx with a stable code and a sentence in the caller's format — never 5xx. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, klingToken, startServer, type TestServer } from './helpers.js';

describe('bad inputs', () => {
  let server: TestServer;
  let jwt: string;
  let sk: string;
  beforeAll(async () => {
    server = await startServer({ workers: { oracle: 0, builtin: 0 }, security: { maxUploadBytes: 64 * 1024 } });
    jwt = await klingToken(server.key);
    sk = server.key.secret_key;
  });
  afterAll(() => server.stop());

  const huge = 'a cat '.repeat(1000);
  type Case = [name: string, method: string, path: string, opts: { json?: unknown; body?: string; headers?: Record<string, string>; kling?: boolean }, status: number, code?: string | number];
  const cases: Case[] = [
    ['broken JSON (OpenAI)', 'POST', '/v1/videos', { body: '{"prompt": "a cat"' }, 400, 'invalid_json'],
    ['broken JSON (Kling)', 'POST', '/v1/videos/text2video', { body: '{"prompt": ', kling: true }, 400, 1200],
    ['empty JSON body', 'POST', '/api/tasks', { body: '' }, 400, 'invalid_json'],
    ['JSON that is not an object', 'POST', '/api/tasks', { body: '[1,2]' }, 400, 'invalid_request'],
    ['wrong type: prompt a number', 'POST', '/v1/videos', { json: { prompt: 5 } }, 400, 'invalid_request'],
    ['wrong type: cfg_scale a string', 'POST', '/v1/videos/text2video', { json: { prompt: 'a cat', cfg_scale: 'high' }, kling: true }, 400, 1201],
    ['cfg_scale out of [0,1]', 'POST', '/v1/videos/text2video', { json: { prompt: 'a cat', cfg_scale: 3 }, kling: true }, 400, 1201],
    ['missing prompt', 'POST', '/v1/videos/text2video', { json: {}, kling: true }, 400, 1201],
    ['empty prompt', 'POST', '/api/tasks', { json: { prompt: '   ' } }, 400, 'invalid_request'],
    ['huge prompt', 'POST', '/v1/videos', { json: { prompt: huge } }, 400, 'invalid_request'],
    ['unknown field (OpenAI)', 'POST', '/v1/videos', { json: { prompt: 'a cat', quality: 'hd' } }, 400, 'invalid_request'],
    ['unknown field (Kling)', 'POST', '/v1/videos/text2video', { json: { prompt: 'a cat', sound: 'on' }, kling: true }, 400, 1201],
    ['unknown nested field', 'POST', '/v1/videos/effects', { json: { effect_scene: 'squish', input: { prompt: 'a cat', colour: 1 } }, kling: true }, 400, 1201],
    ['unknown model', 'POST', '/v1/videos', { json: { prompt: 'a cat', model: 'dall-e-3' } }, 400, 'invalid_request'],
    ['bad base64 image', 'POST', '/v1/videos/image2video', { json: { image: '!!!!' }, kling: true }, 400, 1201],
    ['oversized JSON body', 'POST', '/v1/videos/image2video', { json: { image: 'A'.repeat(200_000) }, kling: true }, 413, 1200],
    ['not JSON at all', 'POST', '/api/tasks', { body: 'prompt=a cat', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['steps out of range', 'POST', '/api/tasks', { json: { prompt: 'a cat', steps: 100000 } }, 400, 'invalid_request'],
    ['seed negative', 'POST', '/api/tasks', { json: { prompt: 'a cat', seed: -1 } }, 400, 'invalid_request'],
    ['scheduler unknown', 'POST', '/api/tasks', { json: { prompt: 'a cat', scheduler: 'ddim' } }, 400, 'invalid_request'],
    ['bad Idempotency-Key', 'POST', '/api/tasks', { json: { prompt: 'a cat' }, headers: { 'idempotency-key': 'x'.repeat(300) } }, 400, 'invalid_request'],
    ['callback_url not a URL', 'POST', '/v1/videos/text2video', { json: { prompt: 'a cat', callback_url: 'nope' }, kling: true }, 400, 1201],
    ['bad list limit', 'GET', '/v1/videos?limit=0', {}, 400, 'invalid_request'],
    ['bad list order', 'GET', '/v1/videos?order=sideways', {}, 400, 'invalid_request'],
    ['unknown query parameter', 'GET', '/v1/videos?colour=red', {}, 400, 'invalid_request'],
    ['pageNum out of range', 'GET', '/v1/videos/text2video?pageNum=1001', { kling: true }, 400, 1201],
    ['after is not a task', 'GET', '/v1/videos?after=video_nope', {}, 400, 'invalid_request'],
    ['unknown video', 'GET', '/v1/videos/video_0000', {}, 404, 'not_found'],
    ['unknown Kling task', 'GET', '/v1/videos/text2video/nope', { kling: true }, 404, 1203],
    ['content variant unknown', 'GET', '/v1/videos/video_0000/content?variant=gif', {}, 400, 'invalid_request'],
    ['unknown route', 'GET', '/v1/nothing', {}, 404, 'route_not_found'],
    ['unknown Kling route', 'POST', '/v1/videos/text2video/extra/x', { json: {}, kling: true }, 404, 1202],
    ['signed link forged', 'GET', '/files/file_x?exp=99999999999&sig=abc', {}, 404, 'not_found'],
    ['remix of a missing video', 'POST', '/v1/videos/video_0000/remix', { json: { prompt: 'x' } }, 404, 'not_found'],
  ];

  it.each(cases)('%s', async (_name, method, path, opts, status, code) => {
    const r = await call(server.url, method, path, { token: opts.kling ? jwt : sk, json: opts.json, body: opts.body, headers: opts.headers });
    expect(r.status).toBe(status);
    if (opts.kling) {
      expect(r.body).toMatchObject({ code, message: expect.any(String), request_id: expect.any(String), data: null });
      expect(r.body.message.length).toBeGreaterThan(10);
    } else {
      expect(r.body.error).toMatchObject({ code, message: expect.any(String) });
      expect(r.body.error.message.length).toBeGreaterThan(10);
    }
  });

  it('never answers 5xx to a barrage of malformed requests', async () => {
    const bodies = ['', '{', 'null', '"text"', '{"prompt":null}', '{"prompt":{"a":1}}', '{"prompt":"a","seconds":{}}', '{"prompt":"a","size":"x"}', '\u0000\u0001', '{"__proto__":{"x":1},"prompt":"a"}'];
    const paths = ['/v1/videos', '/v1/videos/text2video', '/v1/videos/image2video', '/v1/videos/effects', '/api/tasks', '/api/webhooks', '/v1/videos/video_x/remix'];
    for (const path of paths) {
      for (const body of bodies) {
        const r = await call(server.url, 'POST', path, { token: path.includes('text2video') || path.includes('image2') || path.includes('effects') ? jwt : sk, body });
        expect(r.status, `${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500);
      }
    }
  });
});
