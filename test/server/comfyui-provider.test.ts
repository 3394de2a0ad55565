/**
 * The `comfyui` kind over real HTTP and WebSocket against a fake ComfyUI (test/fakes/comfyui-server.ts) running the
 * shipped Wan 2.2 example workflows at a small size: the graph filled and submitted, progress from the socket, the
 * video fetched from /view and stored with Kineo's label; then the faults — 500, 429 + Retry-After, dropped and hung
 * connections, a prompt accepted whose answer was lost (not submitted twice), a socket dropped mid-prompt, an
 * execution error, a corrupt file, a prompt that never finishes, a cancel — with every task accounted for and
 * charged at most once.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ComfyUIProvider } from '../../src/core/providers/comfyui.js';
import { createProviders, providerInstances } from '../../src/core/providers/instances.js';
import { ffprobePath } from '../../src/engine/ffmpeg.js';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/comfyui-server.js';
import { call, waitFor, type TestServer } from './helpers.js';
import { startServerPerTest } from './per-test.js';

const start = startServerPerTest();
const T2V = 'examples/comfyui/wan2.2-t2v.json';
const I2V = 'examples/comfyui/wan2.2-i2v.json';
const SMALL = { sizes: { '1:1': '64x64', '16:9': '96x64', '9:16': '64x96' }, seconds: ['2'], fps: 8, lengthMultiple: 4, lengthPlus: 1, pollMs: 100 };
const done = (status: string) => ['succeeded', 'failed', 'cancelled'].includes(status);

function probe(mp4: Buffer) {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-comfy-test-'));
  try {
    writeFileSync(join(dir, 'v.mp4'), mp4);
    const out = execFileSync(ffprobePath(), ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames,codec_name:format_tags', '-of', 'json', join(dir, 'v.mp4')], { encoding: 'utf8' });
    return JSON.parse(out) as { streams: { width: number; height: number; nb_read_frames: string; codec_name: string }[]; format: { tags: Record<string, string> } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function finished(s: TestServer, token: string, id: string, timeoutMs = 60_000) {
  return waitFor(async () => {
    const t = await call(s.url, 'GET', `/api/tasks/${id}`, { token });
    return done(t.body.status) && t.body;
  }, timeoutMs);
}

async function ledgerOf(s: TestServer, token: string, taskId: string): Promise<string[]> {
  const ledger = await call(s.url, 'GET', '/api/ledger?limit=500', { token });
  return ledger.body.data.filter((e: { task_id: string }) => e.task_id === taskId).map((e: { kind: string }) => e.kind).sort();
}

describe('comfyui: config', () => {
  const config = (providers: unknown) => loadConfig({ env: {}, overrides: { providers: providers as never } });

  it('declares what its workflows can do, and refuses a workflow it cannot use, saying where', () => {
    const [t2v, both] = createProviders(providerInstances(config([
      { name: 'wan', kind: 'comfyui', url: 'http://gpu:8188', workflow: T2V, model: 'wan2.2-t2v' },
      { name: 'wan-i2v', kind: 'comfyui', url: 'http://gpu:8188', workflow: T2V, imageWorkflow: I2V, model: 'wan2.2', sizes: { '16:9': '1280x704' } },
    ])));
    expect(t2v!.capabilities).toEqual({ text: true, image: false, lastFrame: false, extend: false, effects: true, aspects: ['16:9', '9:16', '1:1'], durations: ['5'] });
    expect(both!.capabilities).toMatchObject({ text: true, image: true, lastFrame: false, aspects: ['16:9'] });
    expect(t2v!.shape()).toEqual({ model: 'wan2.2-t2v', version: 'workflow', frames: 120, fps: 24, width: 1280, height: 704 });
    const wan = createProviders(providerInstances(config([{ name: 'w', kind: 'comfyui', url: 'http://gpu:8188', workflow: T2V, lengthMultiple: 4, lengthPlus: 1 }])))[0]!;
    expect(wan.shape().frames).toBe(121); // Wan 2.2 5B's 4n + 1 frames at 5 s, 24 fps

    const bad = (over: Record<string, unknown>) => () => createProviders(providerInstances(config([{ name: 'bad', kind: 'comfyui', url: 'http://gpu:8188', ...over }])));
    expect(bad({})).toThrow(/needs a workflow \(text-to-video\) or an imageWorkflow/);
    expect(bad({ workflow: 'no/such/file.json' })).toThrow(ConfigError);
    expect(bad({ workflow: 'no/such/file.json' })).toThrow(/provider "bad" \(comfyui\) workflow: the workflow .*file\.json could not be read/);
    expect(bad({ workflow: { nodes: [], links: [] } })).toThrow(/save format; export it with "Export \(API\)"/);
    expect(bad({ workflow: { 1: { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}} {{colour}}' } } } })).toThrow(/unknown placeholders \{\{colour\}\}/);
    expect(bad({ workflow: I2V })).toThrow(/holds \{\{image\}\}: give it as imageWorkflow/);
    expect(() => config([{ name: 'x', kind: 'comfyui', url: 'http://gpu:8188', workflow: T2V, sampler: 'euler' }])).toThrow(/providers\[0\]: Unrecognized key.*sampler/);
  });
});

describe('comfyui: against a fake ComfyUI', () => {
  let fake: FakeComfyUI;
  beforeAll(async () => {
    fake = await startFakeComfyUI({ jobMs: 300, concurrency: 2 });
  });
  afterAll(() => fake.close());

  const server = (over: Record<string, unknown> = {}, queue: Record<string, unknown> = { maxAttempts: 1 }) => start({
    queue, providers: [{ name: 'wan', kind: 'comfyui', url: fake.url, workflow: T2V, model: 'wan2.2', version: 'ti2v-5b', retries: 4, requestTimeoutMs: 2000, ...SMALL, ...over }],
  });
  const promptsOf = (taskId: string) => fake.prompts.filter((p) => p.text.includes(taskId));

  it('runs the Wan 2.2 text-to-video workflow: filled graph, progress, the video stored with Kineo\'s label', async () => {
    const s = await server({ pricePerClip: 2 });
    const token = s.key.secret_key;
    const created = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: 'a red fox runs in the snow', negative_prompt: 'blurry', seed: 42 } });
    expect(created.status).toBe(201);
    const progress = new Set<number>();
    const task = await waitFor(async () => {
      const t = await call(s.url, 'GET', `/api/tasks/${created.body.id}`, { token });
      progress.add(t.body.progress);
      return done(t.body.status) && t.body;
    }, 60_000, 20);
    expect(task).toMatchObject({ status: 'succeeded', model: 'wan2.2' });
    expect([...progress].some((p) => p > 5 && p < 96)).toBe(true); // KSampler steps came through the socket

    const [prompt] = promptsOf(created.body.id);
    expect(prompt!.clientId).toMatch(/^kineo-/);
    expect(prompt!.graph['5']!.inputs.text).toBe('a red fox runs in the snow');
    expect(prompt!.graph['6']!.inputs.text).toBe('blurry');
    expect(prompt!.graph['8']!.inputs).toMatchObject({ seed: 42, cfg: expect.any(Number), steps: expect.any(Number) });
    expect(prompt!.graph['7']!.inputs).toMatchObject({ width: 64, height: 64, length: 17 });
    expect(prompt!.graph['10']!.inputs.fps).toBe(8);
    expect(prompt!.graph['11']!.inputs.filename_prefix).toBe(`kineo/${created.body.id}`);
    expect(fake.seen).toContain('WS /ws');

    const content = await fetch(`${s.url}/v1/videos/${created.body.id}/content`, { headers: { authorization: `Bearer ${token}` } });
    const info = probe(Buffer.from(await content.arrayBuffer()));
    expect(info.streams[0]).toMatchObject({ codec_name: 'h264', width: 64, height: 64, nb_read_frames: '17' });
    expect(info.format.tags).toMatchObject({ ai_generated: 'true', generator: 'kineo', model: 'wan2.2', model_version: 'ti2v-5b', seed: '42', request_id: created.body.id });
    expect(await ledgerOf(s, token, created.body.id)).toEqual(['capture', 'reserve']);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body.balance).toBe(98);
    await waitFor(async () => fake.openSockets() === 0); // the job's socket is closed after it
  });

  it('runs the image-to-video workflow: the picture fitted to the frame, uploaded, named in LoadImage', async () => {
    const [instance] = providerInstances(loadConfig({ env: {}, overrides: { providers: [{ name: 'i2v', kind: 'comfyui', url: fake.url, imageWorkflow: I2V, ...SMALL }] as never } }));
    const provider = createProviders([instance!])[0] as ComfyUIProvider;
    expect(provider.capabilities).toMatchObject({ text: false, image: true, effects: false });
    const png = new PNG({ width: 40, height: 20 });
    png.data.fill(200);
    const result = await provider.generate(
      { taskId: 'task_i2v_test', prompt: 'the cat jumps', seed: 3, outputSize: 96, aspect: '16:9', image: PNG.sync.write(png) },
      { signal: new AbortController().signal, onProgress: () => {} },
    );
    const [prompt] = promptsOf('task_i2v_test');
    const name = String(prompt!.graph['12']!.inputs.image);
    expect(name).toMatch(/^kineo\/kineo-[0-9a-f]{24}\.png$/);
    const uploaded = PNG.sync.read(fake.uploads.get(name)!);
    expect([uploaded.width, uploaded.height]).toEqual([96, 64]); // centre-cropped and scaled to the 16:9 frame
    expect(prompt!.graph['7']!.inputs).toMatchObject({ width: 96, height: 64, start_image: ['12', 0] });
    expect(probe(result.video).streams[0]).toMatchObject({ width: 96, height: 64 });
    expect(result.meta).toMatchObject({ width: 96, height: 64, frames: 17, fps: 8 });
    await expect(provider.generate({ taskId: 't', prompt: 'x', seed: 1, outputSize: 64 }, { signal: new AbortController().signal, onProgress: () => {} }))
      .rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('retries 500, 429 with Retry-After and dropped connections, and never submits one attempt twice', async () => {
    const s = await server();
    const token = s.key.secret_key;
    fake.fail(
      { on: 'prompt', kind: 'status500', when: 'retry-me' },
      { on: 'prompt', kind: 'status429', when: 'retry-me' },
      { on: 'prompt', kind: 'drop', when: 'retry-me' },
      { on: 'prompt', kind: 'accept-drop', when: 'retry-me' }, // taken, answer lost: found in the queue, not sent again
      { on: 'history', kind: 'status500', when: 'retry-me' },
      { on: 'view', kind: 'drop' },
    );
    const t0 = Date.now();
    const created = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: 'retry-me: a cat' } });
    const task = await finished(s, token, created.body.id);
    expect(task.status).toBe('succeeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000); // the 429's Retry-After: 1 was waited out
    expect(promptsOf(created.body.id)).toHaveLength(1);
    expect(task.attempts ?? 1).toBe(1);
    expect(fake.faults.filter((f) => f.when === 'retry-me')).toEqual([]);
    expect(await ledgerOf(s, token, created.body.id)).toEqual(['capture', 'reserve']);
  });

  it('finishes a prompt whose socket dropped mid-run or never opened (the history is polled)', async () => {
    const s = await server();
    const token = s.key.secret_key;
    fake.fail({ on: 'ws', kind: 'ws-drop', when: 'drop-socket' });
    const dropped = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: 'drop-socket: a dog' } });
    expect(await finished(s, token, dropped.body.id)).toMatchObject({ status: 'succeeded' });
    fake.fail({ on: 'ws', kind: 'status500' });
    const refused = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: 'a bird' } });
    expect(await finished(s, token, refused.body.id)).toMatchObject({ status: 'succeeded' });
  });

  it('fails for good with the remote\'s words: an execution error, a corrupt file, a refused graph; credits released', async () => {
    const s = await server();
    const token = s.key.secret_key;
    fake.fail({ on: 'run', kind: 'error', when: 'oom-me' }, { on: 'run', kind: 'corrupt', when: 'corrupt-me' });
    const oom = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: 'oom-me: a cat' } });
    const corrupt = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: 'corrupt-me: a cat' } });
    expect(await finished(s, token, oom.body.id)).toMatchObject({
      status: 'failed', error: { code: 'generation_failed', message: expect.stringContaining('ComfyUI failed at node 8 (KSampler): torch.OutOfMemoryError: CUDA out of memory') },
    });
    expect(await finished(s, token, corrupt.body.id)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('could not be read') } });

    const refusing = await server({ workflow: { 1: { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}' } }, 2: { class_type: 'FancyVideoNode', inputs: { text: ['1', 0] } } } });
    const refused = await call(refusing.url, 'POST', '/api/tasks', { token: refusing.key.secret_key, json: { model: 'wan2.2', prompt: 'a cat' } });
    expect(await finished(refusing, refusing.key.secret_key, refused.body.id)).toMatchObject({
      status: 'failed', error: { code: 'invalid_request', message: expect.stringContaining('node 2 (FancyVideoNode): Cannot execute because node FancyVideoNode does not exist') },
    });
    for (const [srv, id] of [[s, oom.body.id], [s, corrupt.body.id], [refusing, refused.body.id]] as const) {
      expect(await ledgerOf(srv, srv.key.secret_key, id)).toEqual(['release', 'reserve']);
    }
    expect((await call(s.url, 'GET', '/api/balance', { token })).body.balance).toBe(100);
  });

  it('retries a failed attempt as a new prompt and charges once', async () => {
    const s = await server({}, { maxAttempts: 3 });
    const token = s.key.secret_key;
    fake.fail({ on: 'run', kind: 'error', when: 'flaky-gpu' });
    const created = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: 'flaky-gpu: a cat' } });
    expect(await finished(s, token, created.body.id)).toMatchObject({ status: 'succeeded' });
    expect(promptsOf(created.body.id)).toHaveLength(2);
    expect(await ledgerOf(s, token, created.body.id)).toEqual(['capture', 'reserve']);
  });

  it('fails a prompt that never finishes at the time limit, interrupting it; a cancel stops it on the GPU', async () => {
    const s = await server({ timeoutMs: 1500 });
    const token = s.key.secret_key;
    fake.fail({ on: 'run', kind: 'never', when: 'hang-forever' });
    const timed = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: 'hang-forever: a cat' } });
    expect(await finished(s, token, timed.body.id)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('ComfyUI did not deliver within 1500 ms') } });
    const [stuck] = promptsOf(timed.body.id);
    await waitFor(async () => fake.interrupts.includes(stuck!.id));

    const long = await server({ timeoutMs: 60_000 });
    fake.fail({ on: 'run', kind: 'never', when: 'cancel-me' });
    const ltoken = long.key.secret_key;
    const cancelled = await call(long.url, 'POST', '/api/tasks', { token: ltoken, json: { model: 'wan2.2', prompt: 'cancel-me: a cat' } });
    await waitFor(async () => promptsOf(cancelled.body.id)[0]?.state === 'running');
    await call(long.url, 'POST', `/api/tasks/${cancelled.body.id}/cancel`, { token: ltoken });
    expect(await finished(long, ltoken, cancelled.body.id)).toMatchObject({ status: 'cancelled' });
    await waitFor(async () => fake.interrupts.includes(promptsOf(cancelled.body.id)[0]!.id));
    expect((await call(long.url, 'GET', '/api/balance', { token: ltoken })).body.balance).toBe(100);
  });

  it('loses no task and charges none twice under mixed faults, 16 tasks at once', async () => {
    const s = await server({ timeoutMs: 20_000 }, { maxAttempts: 3 });
    const token = s.key.secret_key;
    const kinds = ['status500', 'status429', 'drop', 'accept-drop'] as const;
    for (let i = 0; i < 16; i++) {
      fake.fail({ on: 'prompt', kind: kinds[i % 4]!, when: `mixed-${i}:` });
      if (i % 3 === 0) fake.fail({ on: 'run', kind: 'error', when: `mixed-${i}:` });
      if (i % 5 === 0) fake.fail({ on: 'ws', kind: 'ws-drop', when: `mixed-${i}:` });
    }
    fake.fail({ on: 'run', kind: 'corrupt', when: 'mixed-7:', times: 3 }); // fails all three attempts
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) ids.push((await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'wan2.2', prompt: `mixed-${i}: a cat` } })).body.id);
    const tasks = await Promise.all(ids.map((id) => finished(s, token, id, 120_000)));
    expect(tasks.map((t) => t.status)).toEqual(ids.map((_, i) => (i === 7 ? 'failed' : 'succeeded')));
    expect(tasks[7].error.message).toContain('could not be read');
    for (const [i, id] of ids.entries()) {
      expect(await ledgerOf(s, token, id)).toEqual(i === 7 ? ['release', 'reserve'] : ['capture', 'reserve']);
      expect(promptsOf(id).length).toBeLessThanOrEqual(i === 7 ? 3 : i % 3 === 0 ? 2 : 1); // one prompt per attempt
    }
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 85, reserved: 0 });
  });
});
