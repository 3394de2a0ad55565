/**
 * The `kling` kind over real HTTP against Kineo's own Kling-format API as the remote (a second Kineo server), with a
 * fault-injecting proxy between them: JWT and static-key auth, text2video and image2video, the remote's failure
 * message carried into the task, 500 / 429 + Retry-After / dropped / hung calls, a create whose answer was lost
 * (found by its external_task_id, not made twice), a corrupt download, a task that never finishes — with every
 * task accounted for and charged at most once on either side.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createProviders, providerInstances } from '../../src/core/providers/instances.js';
import { OracleProvider } from '../../src/core/providers/oracle.js';
import type { ProviderCapabilities } from '../../src/core/providers/provider.js';
import { ffprobePath } from '../../src/engine/ffmpeg.js';
import { startFaultProxy, type FaultProxy } from '../fakes/fault-proxy.js';
import { call, waitFor, type TestServer } from './helpers.js';
import { startServerPerTest } from './per-test.js';

const start = startServerPerTest();
const done = (status: string) => ['succeeded', 'failed', 'cancelled'].includes(status);
// One call's limit is generous: on a loaded machine (CI runs the whole suite on two cores) the remote, the proxy and
// this server share one event loop, and answers slower than a tight limit turn into retries that use up the budget
// the injected faults are meant to use (a hung call then costs this long, once).
const ORACLE_SHAPE = { seconds: ['2'], sizes: { '1:1': '256x256' }, fps: 8, pollMs: 50, maxPollMs: 200, requestTimeoutMs: 6000, retries: 4 };

function tagsOf(mp4: Buffer): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-kling-test-'));
  try {
    writeFileSync(join(dir, 'v.mp4'), mp4);
    return (JSON.parse(execFileSync(ffprobePath(), ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', join(dir, 'v.mp4')], { encoding: 'utf8' })) as { format: { tags: Record<string, string> } }).format.tags;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function finished(s: TestServer, token: string, id: string, timeoutMs = 150_000) {
  return waitFor(async () => {
    const t = await call(s.url, 'GET', `/api/tasks/${id}`, { token });
    return done(t.body.status) && t.body;
  }, timeoutMs);
}

async function ledgerOf(s: TestServer, token: string, taskId: string): Promise<string[]> {
  const ledger = await call(s.url, 'GET', '/api/ledger?limit=500', { token });
  return ledger.body.data.filter((e: { task_id: string }) => e.task_id === taskId).map((e: { kind: string }) => e.kind).sort();
}

/** The oracle declaring image-to-video, as a remote Kling model would (it ignores the picture). */
class PictureOracle extends OracleProvider {
  override readonly capabilities: ProviderCapabilities = { ...new OracleProvider().capabilities, image: true };
}

describe('kling: config', () => {
  const config = (providers: unknown) => loadConfig({ env: {}, overrides: { providers: providers as never } });

  it('needs credentials, from config or the environment, and declares its model\'s shape', () => {
    expect(() => createProviders(providerInstances(config([{ name: 'k', kind: 'kling' }])))).toThrow(ConfigError);
    expect(() => createProviders(providerInstances(config([{ name: 'k', kind: 'kling', accessKeyEnv: 'A' }])))).toThrow(/needs credentials: accessKey \+ secretKey/);
    const [jwt, bearer] = createProviders(providerInstances(config([
      { name: 'k', kind: 'kling', accessKeyEnv: 'KLING_ACCESS_KEY', secretKeyEnv: 'KLING_SECRET_KEY' },
      { name: 'k2', kind: 'kling', apiKeyEnv: 'KLING_API_KEY', model: 'kling-v2-6', as: 'kling-new', lastFrame: true, seconds: ['5'] },
    ])));
    expect(jwt!.capabilities).toEqual({ text: true, image: true, lastFrame: false, extend: false, effects: true, aspects: ['16:9', '9:16', '1:1'], durations: ['5', '10'] });
    expect(jwt!.shape()).toEqual({ model: 'kling-v2-1', version: 'kling-v2-1', frames: 120, fps: 24, width: 1280, height: 720 });
    expect([bearer!.model, bearer!.capabilities.lastFrame, bearer!.capabilities.durations]).toEqual(['kling-new', true, ['5']]);
  });
});

// Several remote round trips per task, each slower under load: more time than the suite's default.
describe('kling: against Kineo\'s Kling API', { timeout: 180_000 }, () => {
  let proxy: FaultProxy;
  let remote: TestServer;
  let remoteKey: string;
  beforeEach(async () => {
    proxy = await startFaultProxy();
    remote = await start({
      providers: [{ name: 'oracle', kind: 'oracle', workers: 2 }, { name: 'idle', kind: 'oracle', as: 'idle-oracle', workers: 0 }],
    });
    proxy.target(remote.url);
    remoteKey = remote.key.secret_key;
    process.env.KINEO_TEST_KLING_ACCESS = remote.key.access_key;
    process.env.KINEO_TEST_KLING_SECRET = remoteKey;
  });
  afterEach(() => proxy.close());

  const front = (over: Record<string, unknown> = {}, queue: Record<string, unknown> = { maxAttempts: 1 }) => start({
    queue,
    providers: [{ name: 'kling', kind: 'kling', baseUrl: proxy.url, model: 'oracle', as: 'kling-oracle', accessKeyEnv: 'KINEO_TEST_KLING_ACCESS', secretKeyEnv: 'KINEO_TEST_KLING_SECRET', ...ORACLE_SHAPE, ...over }],
  });
  const remoteTasks = async () => (await call(remote.url, 'GET', '/api/tasks?limit=100', { token: remoteKey })).body.data as { id: string; status: string; external_task_id: string | null; capability: string; prompt: string; params: Record<string, unknown> }[];
  const remoteTasksOf = async (frontId: string) => (await remoteTasks()).filter((t) => t.external_task_id?.startsWith(`kineo-${frontId}-`));

  it('runs text2video with a JWT and with a static key, stored here with this server\'s label', async () => {
    for (const auth of [{}, { accessKeyEnv: undefined, secretKeyEnv: undefined, apiKey: remoteKey, name: 'kling' }]) {
      const s = await front(auth);
      const token = s.key.secret_key;
      const created = await call(s.url, 'POST', '/v1/videos/text2video', { token, json: { model_name: 'kling-oracle', prompt: 'a cat jumps on the beach', duration: '2', aspect_ratio: '1:1', negative_prompt: 'blurry' } });
      expect(created.status).toBe(200);
      const task = await finished(s, token, created.body.data.task_id);
      expect(task).toMatchObject({ status: 'succeeded', model: 'kling-oracle' });
      const content = await fetch(`${s.url}/v1/videos/${task.id}/content`, { headers: { authorization: `Bearer ${token}` } });
      expect(tagsOf(Buffer.from(await content.arrayBuffer()))).toMatchObject({ ai_generated: 'true', generator: 'kineo', model: 'kling-oracle', model_version: 'oracle', request_id: task.id });
      const [theirs] = await remoteTasksOf(task.id);
      expect(theirs).toMatchObject({ status: 'succeeded', capability: 'text2video' });
    }
    expect(proxy.seen.filter((r) => r.startsWith('GET ') && !/^GET \/(v1|api)\//.test(r)).length).toBeGreaterThanOrEqual(2); // the downloads came through the proxy
  });

  it('sends image2video with the picture when the request has one', async () => {
    const pictures = await start({ providers: [{ name: 'oracle', kind: 'oracle' }] }, { providers: [new PictureOracle()] });
    const [provider] = createProviders(providerInstances(loadConfig({ env: {}, overrides: { providers: [{ name: 'k', kind: 'kling', baseUrl: pictures.url, model: 'oracle', apiKey: pictures.key.secret_key, ...ORACLE_SHAPE }] as never } })));
    const png = new PNG({ width: 8, height: 8 });
    png.data.fill(128);
    const result = await provider!.generate({ taskId: 'task_kling_i2v', prompt: 'a cat jumps', seed: 5, outputSize: 256, image: PNG.sync.write(png) }, { signal: new AbortController().signal, onProgress: () => {} });
    expect(result.video.length).toBeGreaterThan(100);
    const tasks = (await call(pictures.url, 'GET', '/api/tasks', { token: pictures.key.secret_key })).body.data;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ capability: 'image2video', status: 'succeeded', external_task_id: expect.stringMatching(/^kineo-task_kling_i2v-/) });
  });

  it('applies an effect Kling has through its effects endpoint, and one it has not as Kineo composes it', async () => {
    const s = await front({ effectPrompt: true, effectScenes: ['squish', 'bloombloom'] });
    const token = s.key.secret_key;
    const ask = (scene: string) => call(s.url, 'POST', '/v1/videos/effects', { token, json: { effect_scene: scene, input: { model_name: 'kling-oracle', prompt: 'a cat', duration: '2' } } });
    const [squish, melt] = [await ask('squish'), await ask('melt')];
    expect([squish.status, melt.status]).toEqual([200, 200]);
    for (const created of [squish, melt]) expect(await finished(s, token, created.body.data.task_id)).toMatchObject({ status: 'succeeded', capability: 'effects' });
    const [theirSquish] = await remoteTasksOf(squish.body.data.task_id);
    const [theirMelt] = await remoteTasksOf(melt.body.data.task_id);
    const ours = (await call(s.url, 'GET', `/api/tasks/${melt.body.data.task_id}`, { token })).body;
    // Kling's effect by name, with the subject alone (the remote applies the template)…
    expect(theirSquish).toMatchObject({ capability: 'effects', params: expect.objectContaining({ effect_scene: 'squish' }), prompt: expect.stringMatching(/^a cat \S/) });
    // …and a template Kling has not: its composed prompt through text2video.
    expect(theirMelt).toMatchObject({ capability: 'text2video', prompt: ours.prompt });
    expect(proxy.seen.filter((r) => r === 'POST /v1/videos/effects')).toHaveLength(1);
  });

  it('sends an ad batch\'s variants of a Kling effect to its effects endpoint with the product as the subject', async () => {
    const s = await front({ effectPrompt: true, effectScenes: ['squish'] });
    const token = s.key.secret_key;
    const created = await call(s.url, 'POST', '/api/batches', { token, json: {
      name: 'Apples', product: { subject: 'a red apple' }, selling_points: [], templates: ['squish', 'melt'], aspect_ratios: ['1:1'], count: 2, model: 'kling-oracle', seed: 3,
    } });
    expect(created.status).toBe(201);
    const batch = await waitFor(async () => {
      const b = (await call(s.url, 'GET', `/api/batches/${created.body.id}`, { token })).body;
      return ['succeeded', 'partially_failed', 'failed'].includes(b.status) && b;
    }, 150_000);
    expect(batch.status).toBe('succeeded');
    const byTemplate = Object.fromEntries(await Promise.all(batch.variants.map(async (v: { template: string; task_id: string }) => [v.template, (await remoteTasksOf(v.task_id))[0]])));
    expect(byTemplate.squish).toMatchObject({ capability: 'effects', params: expect.objectContaining({ effect_scene: 'squish' }), prompt: expect.stringMatching(/^a red apple \S/) });
    expect(byTemplate.melt).toMatchObject({ capability: 'text2video', prompt: 'a red apple melts' });
  });

  it('retries 500, 429 and dropped calls; a create whose answer was lost is found, not made twice', async () => {
    const s = await front();
    const token = s.key.secret_key;
    proxy.fail(
      { match: 'POST /v1/videos/text2video', kind: 'status500' },
      { match: 'POST /v1/videos/text2video', kind: 'status429' },
      { match: 'POST /v1/videos/text2video', kind: 'drop' },
      { match: 'POST /v1/videos/text2video', kind: 'forward-drop' },
      { match: 'GET /v1/videos/text2video/', kind: 'hang' },
      { match: 'GET /v1/videos/text2video/', kind: 'status500' },
    );
    const created = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'kling-oracle', prompt: 'a dog runs on the grass' } });
    expect(await finished(s, token, created.body.id)).toMatchObject({ status: 'succeeded' });
    expect(proxy.faults).toEqual([]);
    expect(await remoteTasksOf(created.body.id)).toHaveLength(1);
    expect(await ledgerOf(s, token, created.body.id)).toEqual(['capture', 'reserve']);
  });

  it('finds a create that reached Kling when its look-up came too early and the retry is refused as a duplicate', async () => {
    const s = await front();
    const token = s.key.secret_key;
    // The create reaches the remote but its answer is lost; the look-up is answered "not found" (the remote was
    // still making it); the retried create is refused for its external_task_id: that task is ours, and is used.
    proxy.fail({ match: 'POST /v1/videos/text2video', kind: 'forward-drop' }, { match: 'GET /v1/videos/text2video/kineo-', kind: 'status404' });
    const created = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'kling-oracle', prompt: 'a dog runs on the grass' } });
    expect(await finished(s, token, created.body.id)).toMatchObject({ status: 'succeeded' });
    expect(proxy.faults).toEqual([]);
    expect(proxy.answers.filter((a) => a.startsWith('POST /v1/videos/text2video → 409'))).toHaveLength(1);
    expect(await remoteTasksOf(created.body.id)).toHaveLength(1);
    expect(await ledgerOf(s, token, created.body.id)).toEqual(['capture', 'reserve']);
  });

  it('passes a callback URL when this server has a public URL, and Kling\'s call ends the wait before the next poll', async () => {
    const door = await startFaultProxy(); // this server's public address: Kling's calls come through it
    try {
      // The first poll would come after 60 s and the job's limit is 45 s: only the callback can finish it.
      const s = await start({
        publicUrl: door.url, queue: { maxAttempts: 1 },
        providers: [{ name: 'kling', kind: 'kling', baseUrl: proxy.url, model: 'oracle', as: 'kling-oracle', apiKey: remoteKey, ...ORACLE_SHAPE, pollMs: 60_000, maxPollMs: 60_000, timeoutMs: 45_000 }],
      });
      door.target(`http://127.0.0.1:${(s.kineo.app.server.address() as AddressInfo).port}`); // s.url is the public one
      const token = s.key.secret_key;
      const created = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'kling-oracle', prompt: 'a cat jumps on the beach' } });
      expect(await finished(s, token, created.body.id)).toMatchObject({ status: 'succeeded' });
      const [theirs] = (await remoteTasksOf(created.body.id)) as { callback_url?: string }[];
      const callbackUrl = new RegExp(`^${door.url}/callbacks/tasks/${created.body.id}/[\\w-]{40,}$`);
      expect(theirs!.callback_url).toMatch(callbackUrl);
      expect(door.seen.filter((r) => r.startsWith(`POST /callbacks/tasks/${created.body.id}/`)).length).toBeGreaterThanOrEqual(1);
      expect(door.answers.filter((r) => r.startsWith('POST /callbacks/') && !r.includes(' → 200 '))).toEqual([]);

      // The token is the credential: a made-up one, or one task's token for another, is not found.
      const path = new URL(theirs!.callback_url!).pathname;
      const forged = await call(s.url, 'POST', path.replace(/[^/]+$/, 'A'.repeat(43)), { json: { task_status: 'succeed' } });
      const borrowed = await call(s.url, 'POST', path.replace(created.body.id, 'video_someone_else'), { json: { task_status: 'succeed' } });
      const genuine = await call(s.url, 'POST', path, { json: { task_id: 'x', task_status: 'succeed' } });
      expect([forged.status, forged.body.code, borrowed.status, genuine.status]).toEqual([404, 1203, 404, 200]);
    } finally {
      await door.close();
    }
  });

  it('fails with the remote\'s words (a failed task, a corrupt file, a refused request, a task that never ends), credits released', async () => {
    const s = await front();
    const token = s.key.secret_key;
    const undrawable = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'kling-oracle', prompt: 'zzqx vorpal' } });
    const failed = await finished(s, token, undrawable.body.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'generation_failed', message: expect.stringMatching(/Kling's task \S+ failed: .+/) } });
    const [theirs] = await remoteTasksOf(undrawable.body.id);
    const remoteView = (await call(remote.url, 'GET', `/api/tasks/${theirs!.id}`, { token: remoteKey })).body;
    expect(failed.error.message).toContain(remoteView.error.message); // the remote's own message, carried over

    // A corrupt download. On the scale backends the file comes from S3 after a redirect, and there the corrupted
    // answer has not been seen to reach the provider yet (open question, see the branch's report): embedded only.
    const corrupt = process.env.KINEO_TEST_BACKENDS ? undefined : await (async () => {
      proxy.fail({ match: 'download', kind: 'corrupt', times: 10 });
      const created = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'kling-oracle', prompt: 'a cat' } });
      expect(await finished(s, token, created.body.id)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('could not be read') } });
      proxy.faults.length = 0;
      return created;
    })();

    const long = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'kling-oracle', prompt: 'a cat', seconds: '4' } });
    expect(long.status).toBe(400); // a length the instance does not declare is refused before a task exists

    // A remote task that never finishes: the remote's 'idle' instance has no embedded workers, but the scale
    // backends' test worker runs every oracle instance, so there it finishes: embedded only.
    const never = process.env.KINEO_TEST_BACKENDS ? undefined : await front({ model: 'idle-oracle', as: 'kling-idle', timeoutMs: 1500 });
    const stuck = never && await call(never.url, 'POST', '/api/tasks', { token: never.key.secret_key, json: { model: 'kling-idle', prompt: 'a cat' } });
    if (never && stuck) expect(await finished(never, never.key.secret_key, stuck.body.id)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('Kling did not deliver within 1500 ms') } });

    const refusing = await front({ model: 'no-such-model', as: 'kling-missing' });
    const refused = await call(refusing.url, 'POST', '/api/tasks', { token: refusing.key.secret_key, json: { model: 'kling-missing', prompt: 'a cat' } });
    expect(await finished(refusing, refusing.key.secret_key, refused.body.id)).toMatchObject({ status: 'failed', error: { code: 'invalid_request', message: expect.stringContaining('unknown model "no-such-model"') } });

    for (const [srv, id] of [[s, undrawable.body.id], ...(corrupt ? [[s, corrupt.body.id] as const] : []), ...(never && stuck ? [[never, stuck.body.id] as const] : []), [refusing, refused.body.id]] as const) {
      expect(await ledgerOf(srv, srv.key.secret_key, id)).toEqual(['release', 'reserve']);
    }
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 100, reserved: 0 });
  });

  it('loses no task and charges none twice under mixed faults, 12 tasks at once', async () => {
    const s = await front({}, { maxAttempts: 3 });
    const token = s.key.secret_key;
    const kinds = ['status500', 'status429', 'drop', 'forward-drop'] as const;
    for (let i = 0; i < 12; i++) {
      proxy.fail({ match: 'POST /v1/videos/text2video', kind: kinds[i % 4]!, when: `mixed ${i} ` });
    }
    proxy.fail({ match: 'GET /v1/videos/text2video/', kind: 'status500', times: 6 }, { match: 'download', kind: 'drop', times: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'kling-oracle', prompt: 'a cat jumps on the beach', negative_prompt: `mixed ${i} ` } })).body.id);
    const tasks = await Promise.all(ids.map((id) => finished(s, token, id)));
    expect(tasks.map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));
    for (const id of ids) {
      expect(await ledgerOf(s, token, id)).toEqual(['capture', 'reserve']);
      expect((await remoteTasksOf(id)).filter((t) => t.status === 'succeeded')).toHaveLength(1);
    }
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 88, reserved: 0 });
  });
});
