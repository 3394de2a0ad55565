/**
 * Clients with the anchors' defaults get their video (issue 23 acceptance), from the real built-in model
 * (models/kineo-mini, not the tiny fixture): a Kling request as Kling documents it — model_name "kling-v1",
 * aspect_ratio "16:9", duration "5", mode "std", cfg_scale 0.5 — and the unmodified openai SDK with Sora's defaults —
 * model "sora-2", seconds "4", size "720x1280". ffprobe checks each MP4's duration and frame size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { call, klingToken, startServer, waitFor, type TestServer } from './helpers.js';
import { probeMp4 } from './media-probe.js';

describe('the anchors\' defaults on kineo-mini', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ builtin: { model: 'kineo-mini', threads: 1 } });
  });
  afterAll(() => server.stop());

  it('Kling: kling-v1, 16:9, "5", std, cfg_scale 0.5 → a 5-second 16:9 MP4', async () => {
    const token = await klingToken(server.key);
    const r = await call(server.url, 'POST', '/v1/videos/text2video', { token, json: {
      model_name: 'kling-v1', prompt: 'a red fox runs right across the snow', aspect_ratio: '16:9', duration: '5', mode: 'std', cfg_scale: 0.5,
    } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const task = await waitFor(async () => {
      const t = (await call(server.url, 'GET', `/v1/videos/text2video/${r.body.data.task_id}`, { token })).body.data;
      return t.task_status === 'succeed' || t.task_status === 'failed' ? t : undefined;
    }, 240_000, 250);
    expect(task.task_status, task.task_status_msg).toBe('succeed');
    expect(task.task_result.videos[0].duration).toBe('5');
    const p = probeMp4(Buffer.from(await (await fetch(task.task_result.videos[0].url)).arrayBuffer()));
    expect(p).toMatchObject({ width: 256, height: 144 });
    expect(p.duration).toBeCloseTo(5, 1);
    expect(p.tags).toMatchObject({ model: 'kineo-mini' });
  }, 300_000);

  it('the openai SDK: sora-2, seconds "4", size "720x1280" → a 4-second 720×1280 MP4', async () => {
    const client = new OpenAI({ apiKey: server.key.secret_key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const created = await client.videos.create({ model: 'sora-2', prompt: 'a cat jumps on the beach', seconds: '4', size: '720x1280' });
    expect(created).toMatchObject({ model: 'kineo-mini', seconds: '4', size: '720x1280' });
    const v = await waitFor(async () => {
      const x = await client.videos.retrieve(created.id);
      return x.status === 'completed' || x.status === 'failed' ? x : undefined;
    }, 240_000, 250);
    expect(v.status, JSON.stringify(v.error)).toBe('completed');
    const p = probeMp4(Buffer.from(await (await client.videos.downloadContent(v.id)).arrayBuffer()));
    expect(p).toMatchObject({ width: 720, height: 1280 });
    expect(p.duration).toBeCloseTo(4, 1);
  }, 300_000);
});
