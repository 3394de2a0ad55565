/** The OpenAI videos format, driven by the unmodified official `openai` npm client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { toFile } from 'openai';
import { PNG } from 'pngjs';
import { call, startServer, waitFor, type TestServer } from './helpers.js';

const png = () => PNG.sync.write(new PNG({ width: 4, height: 4 }));

describe('the OpenAI videos format', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startServer();
    client = new OpenAI({ apiKey: server.key.secret_key, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => server.stop());

  it('runs create → poll → download with the official client (oracle provider)', async () => {
    const created = await client.videos.create({ prompt: 'a cat bounces on the beach', model: 'oracle' });
    expect(created).toMatchObject({ object: 'video', model: 'oracle', status: 'queued', progress: 0, seconds: '2', size: '256x256' });
    expect(created.created_at).toBeLessThan(1e11); // seconds, not milliseconds
    const done = await waitFor(async () => {
      const v = await client.videos.retrieve(created.id);
      expect(['queued', 'in_progress', 'completed']).toContain(v.status);
      return v.status === 'completed' ? v : undefined;
    });
    expect(done.progress).toBe(100);
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    const video = Buffer.from(await (await client.videos.downloadContent(created.id)).arrayBuffer());
    expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const thumb = Buffer.from(await (await client.videos.downloadContent(created.id, { variant: 'thumbnail' })).arrayBuffer());
    expect(thumb.readUInt32BE(0)).toBe(0x89504e47);
    const sheet = Buffer.from(await (await client.videos.downloadContent(created.id, { variant: 'spritesheet' })).arrayBuffer());
    expect(PNG.sync.read(sheet)).toMatchObject({ width: 256, height: 256 }); // 4×4 frames of 64 px
  });

  it('runs the real engine (tiny fixture model) as the default model kineo-tiny', async () => {
    const created = await client.videos.create({ prompt: 'a dog jumps in the snow' });
    expect(created.model).toBe('kineo-tiny');
    const done = await waitFor(async () => {
      const v = await client.videos.retrieve(created.id);
      return v.status === 'completed' || v.status === 'failed' ? v : undefined;
    }, 60_000);
    expect(done.status).toBe('completed');
    const video = Buffer.from(await (await client.videos.downloadContent(created.id)).arrayBuffer());
    expect(video.includes(Buffer.from('AI-generated video'))).toBe(true); // the label in the container metadata
  });

  it('lists with after/limit/order and the client pages through them', async () => {
    const key = await server.newKey();
    const c = new OpenAI({ apiKey: key.secret_key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await c.videos.create({ prompt: `a fox runs right ${i}`, model: 'oracle' })).id);
    const first = await c.videos.list({ limit: 2, order: 'asc' });
    expect(first.data.map((v) => v.id)).toEqual(ids.slice(0, 2));
    expect(first.has_more).toBe(true);
    expect(first.last_id).toBe(ids[1]);
    const all: string[] = [];
    for await (const v of c.videos.list({ limit: 2, order: 'asc' })) all.push(v.id);
    expect(all).toEqual(ids);
    const desc = await c.videos.list({ limit: 10 });
    expect(desc.data.map((v) => v.id)).toEqual([...ids].reverse());
    expect(desc.has_more).toBe(false);
  });

  it('remixes a completed video and deletes videos', async () => {
    const created = await client.videos.create({ prompt: 'a frog hops on the grass', model: 'oracle' });
    await waitFor(async () => (await client.videos.retrieve(created.id)).status === 'completed');
    const remix = await client.videos.remix(created.id, { prompt: 'a frog hops in the snow' });
    expect(remix).toMatchObject({ remixed_from_video_id: created.id, prompt: 'a frog hops in the snow', model: 'oracle' });
    const deleted = await client.videos.delete(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'video.deleted', deleted: true });
    await expect(client.videos.retrieve(created.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('refuses durations and sizes the model cannot make with a 400 the client parses', async () => {
    await expect(client.videos.create({ prompt: 'a cat', seconds: '4', model: 'oracle' })).rejects.toMatchObject({
      status: 400, code: 'unsupported_parameter', param: 'seconds', message: expect.stringContaining('2-second clips'),
    });
    await expect(client.videos.create({ prompt: 'a cat', seconds: '30' as never })).rejects.toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'seconds' });
    await expect(client.videos.create({ prompt: 'a cat', size: '720x1280', model: 'oracle' })).rejects.toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'size', message: expect.stringContaining('cannot make 9:16') });
    await expect(client.videos.create({ prompt: 'a cat', size: '1000x100' as never })).rejects.toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'size' });
    const ok = await client.videos.create({ prompt: 'a cat', seconds: '2' as never, size: '512x512' as never, model: 'oracle' });
    expect(ok).toMatchObject({ seconds: '2', size: '512x512' });
  });

  it('checks an input_reference upload: a picture the model cannot start from, or a file that is not one, is a 400', async () => {
    await expect(client.videos.create({ prompt: 'a cat', model: 'oracle', input_reference: await toFile(png(), 'ref.png', { type: 'image/png' }) }))
      .rejects.toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'input_reference' });
    await expect(client.videos.create({ prompt: 'a cat', input_reference: await toFile(Buffer.from('not an image'), 'ref.png') }))
      .rejects.toMatchObject({ status: 400, code: 'invalid_image', param: 'input_reference', message: expect.stringContaining('PNG, JPEG or WebP') });
  });

  it('refuses an oversized upload with 413', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 1);
    await expect(client.videos.create({ prompt: 'a cat', input_reference: await toFile(big, 'big.png') })).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('keeps every key to its own videos (404 for another key\'s)', async () => {
    const created = await client.videos.create({ prompt: 'a bird flies up', model: 'oracle' });
    const other = await server.newKey();
    const c2 = new OpenAI({ apiKey: other.secret_key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(c2.videos.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(c2.videos.downloadContent(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(c2.videos.delete(created.id)).rejects.toMatchObject({ status: 404 });
    expect((await c2.videos.list()).data).toEqual([]);
    const files = await call(server.url, 'GET', `/api/files/file_${created.id.slice(6)}_video`, { token: other.secret_key });
    expect(files.status).toBe(404);
  });

  it('answers 401 with the OpenAI error shape for a wrong key', async () => {
    const c = new OpenAI({ apiKey: 'sk_wrong', baseURL: `${server.url}/v1`, maxRetries: 0 });
    await expect(c.videos.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
  });
});
