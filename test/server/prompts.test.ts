/**
 * The prompt is read honestly before anyone pays (issues 24 and 27): /api/prompt/check says which concepts the model
 * understood and which phrases it cannot use, in English or Chinese; a native-API text prompt with nothing usable is
 * refused with prompt_unusable and nothing is charged; Kling's and OpenAI's formats keep accepting any prompt.
 * Real HTTP and SQLite; no worker runs, so accepted tasks stay queued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, klingToken, startServer, type TestServer } from './helpers.js';

describe('the prompt check and prompt_unusable', () => {
  let server: TestServer;
  let sk: string;
  beforeAll(async () => {
    server = await startServer({ workers: { builtin: 0, oracle: 0 } });
    sk = server.key.secret_key;
  });
  afterAll(async () => server?.stop());

  const check = (prompt: string, negative_prompt?: string) => call(server.url, 'POST', '/api/prompt/check', { token: sk, json: { prompt, negative_prompt } });
  const balance = async () => (await call(server.url, 'GET', '/api/balance', { token: sk })).body.balance as number;

  it('reads a Chinese prompt into concepts, the caption the model encodes, and what it could not use', async () => {
    const r = await check('黄昏时分，两只小兔子在草地上快速地跳来跳去，镜头拉近 🐰');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.reading).toMatchObject({
      concepts: { background: 'sunset', object: 'rabbit', count: 2, camera: 'zoom_in' }, usable: true,
    });
    expect(r.body.reading.unused).toContain('🐰');
    expect(r.body.unknown_words).toEqual(r.body.reading.unused);
    expect(r.body.reading.understood).toContainEqual({ phrase: '小兔子', kind: 'object', value: 'rabbit' });
    expect(r.body.reading.caption).toMatch(/^Two rabbits .*at sunset, the camera zooms in$/);
    expect(r.body.price_per_clip).toBeGreaterThan(0);
  });

  it('flags phrases the model reads differently and says an accented or punctuation-only prompt is unusable', async () => {
    const left = (await check('a turtle on the left side, underwater')).body;
    expect(left.reading).toMatchObject({ concepts: { object: 'turtle', background: 'underwater' }, unused: ['left side'] });
    expect((await check('café crème brûlée')).body.reading).toMatchObject({ usable: false, unused: ['café crème brûlée'], concepts: {} });
    expect((await check('!!! ???')).body.reading).toMatchObject({ usable: false, unused: ['!!! ???'] });
    expect((await check('a ghost spins', 'blurry 模糊')).body.negative_unknown_words).toEqual(['blurry 模糊']);
  });

  it('refuses a native text prompt with nothing usable before payment, with a sentence saying what the model draws', async () => {
    const before = await balance();
    for (const prompt of ['!!! ???', 'café crème brûlée', '一只独角兽在彩虹上跳舞']) {
      const r = await call(server.url, 'POST', '/api/tasks', { token: sk, json: { prompt } });
      expect(r.status, prompt).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'prompt_unusable', param: 'prompt' });
      expect(r.body.error.message).toMatch(/nothing in .* that it can draw\. It draws one of \d+ objects/);
    }
    expect(await balance()).toBe(before);
    expect((await call(server.url, 'GET', '/api/tasks', { token: sk })).body.data).toEqual([]);
    const ok = await call(server.url, 'POST', '/api/tasks', { token: sk, json: { prompt: '夜晚，一枚火箭缓缓升起' } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('keeps accepting any prompt in the Kling and OpenAI formats', async () => {
    const jwt = await klingToken(server.key);
    const kling = await call(server.url, 'POST', '/v1/videos/text2video', { token: jwt, json: { prompt: '!!! ???' } });
    expect(kling.status, JSON.stringify(kling.body)).toBe(200);
    expect(kling.body.data.task_status).toBe('submitted');
    const openai = await call(server.url, 'POST', '/v1/videos', { token: sk, json: { prompt: 'café crème brûlée' } });
    expect([200, 201], JSON.stringify(openai.body)).toContain(openai.status);
  });
});
