/**
 * The `kineo` and `openai` kinds over real HTTP against another Kineo server as the remote, with the fault-injecting
 * proxy (test/fakes/fault-proxy.ts) between them: 500, 429 + Retry-After, dropped and forwarded-then-dropped creates
 * (the Idempotency-Key makes the retry the same video), hung and failing polls, the remote's own failure carried
 * into the task, and a cancel passed on as a DELETE — every task accounted for and charged at most once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../fakes/fault-proxy.js';
import { call, waitFor, type TestServer } from './helpers.js';
import { startServerPerTest } from './per-test.js';

const start = startServerPerTest();
const done = (status: string) => ['succeeded', 'failed', 'cancelled'].includes(status);

async function finished(s: TestServer, token: string, id: string) {
  return waitFor(async () => {
    const t = await call(s.url, 'GET', `/api/tasks/${id}`, { token });
    return done(t.body.status) && t.body;
  }, 150_000);
}

async function ledgerOf(s: TestServer, token: string, taskId: string): Promise<string[]> {
  const ledger = await call(s.url, 'GET', '/api/ledger?limit=500', { token });
  return ledger.body.data.filter((e: { task_id: string }) => e.task_id === taskId).map((e: { kind: string }) => e.kind).sort();
}

// One call's limit is generous, and there are retries to spare beyond the four injected into one create, for the
// same reason as in kling-provider.test.ts: under load the remote, the proxy and this server share one event loop.
const CALLS = { pollMs: 50, requestTimeoutMs: 6000, retries: 6 };

describe('openai and kineo kinds: against another Kineo behind faults', { timeout: 180_000 }, () => {
  let proxy: FaultProxy;
  let remote: TestServer;
  beforeEach(async () => {
    proxy = await startFaultProxy();
    remote = await start({
      providers: [{ name: 'oracle', kind: 'oracle', workers: 2 }, { name: 'slow', kind: 'oracle', as: 'slow-oracle', delayMs: 120_000, workers: 1 }],
    });
    proxy.target(remote.url);
    process.env.KINEO_TEST_OPENAI_REMOTE_KEY = remote.key.secret_key;
  });
  afterEach(() => proxy.close());

  const front = () => start({
    queue: { maxAttempts: 1 },
    providers: [
      { name: 'box', kind: 'kineo', url: proxy.url, model: 'oracle', as: 'box-oracle', apiKeyEnv: 'KINEO_TEST_OPENAI_REMOTE_KEY', ...CALLS },
      { name: 'gw', kind: 'openai', baseUrl: `${proxy.url}/v1`, model: 'oracle', as: 'gw-oracle', apiKeyEnv: 'KINEO_TEST_OPENAI_REMOTE_KEY', seconds: ['2'], size: '256x256', fps: 8, ...CALLS },
      { name: 'box-slow', kind: 'kineo', url: proxy.url, model: 'slow-oracle', apiKeyEnv: 'KINEO_TEST_OPENAI_REMOTE_KEY', ...CALLS },
    ],
  });
  const remoteTasks = async (prompt: string) => ((await call(remote.url, 'GET', '/api/tasks?limit=100', { token: remote.key.secret_key })).body.data as { id: string; status: string; prompt: string }[])
    .filter((t) => t.prompt === prompt);

  it.each(['box-oracle', 'gw-oracle'])('%s: retries 500, 429, dropped creates and failing polls; a create whose answer was lost is the same video, not a second', async (model) => {
    const s = await front();
    const token = s.key.secret_key;
    proxy.fail(
      { match: 'POST /v1/videos', kind: 'status500' },
      { match: 'POST /v1/videos', kind: 'status429' },
      { match: 'POST /v1/videos', kind: 'drop' },
      { match: 'POST /v1/videos', kind: 'forward-drop' },
      { match: 'GET /v1/videos/', kind: 'hang' },
      { match: 'GET /v1/videos/', kind: 'status500' },
      { match: 'GET /v1/videos/', kind: 'drop' },
    );
    const prompt = `a dog runs on the grass ${model}`;
    const created = await call(s.url, 'POST', '/api/tasks', { token, json: { model, prompt } });
    expect(await finished(s, token, created.body.id)).toMatchObject({ status: 'succeeded', model });
    expect(proxy.faults).toEqual([]);
    // The forwarded create made the remote's video; its retry, with the same Idempotency-Key, was answered with it.
    expect(proxy.answers.filter((a) => a.startsWith('POST /v1/videos → 200')).length).toBeGreaterThanOrEqual(2);
    expect(await remoteTasks(prompt)).toMatchObject([{ status: 'succeeded' }]);
    expect(await ledgerOf(s, token, created.body.id)).toEqual(['capture', 'reserve']);
  });

  it('fails with the remote\'s words, credits released; a cancel reaches the remote as a DELETE', async () => {
    const s = await front();
    const token = s.key.secret_key;
    const undrawable = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'gw-oracle', prompt: 'zzqx vorpal' } });
    const failed = await finished(s, token, undrawable.body.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'generation_failed', message: expect.stringMatching(/the remote's video \S+ failed: .+/) } });
    const [theirs] = await remoteTasks('zzqx vorpal');
    const remoteView = (await call(remote.url, 'GET', `/api/tasks/${theirs!.id}`, { token: remote.key.secret_key })).body;
    expect(failed.error.message).toContain(remoteView.error.message);

    const long = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'slow-oracle', prompt: 'a cat jumps on the beach' } });
    const [running] = await waitFor(async () => {
      const r = await remoteTasks('a cat jumps on the beach');
      return r[0]?.status === 'running' && r;
    }, 60_000);
    await call(s.url, 'POST', `/api/tasks/${long.body.id}/cancel`, { token });
    expect(await finished(s, token, long.body.id)).toMatchObject({ status: 'cancelled' });
    await waitFor(async () => proxy.seen.includes(`DELETE /v1/videos/${running!.id}`));
    const theirsNow = await call(remote.url, 'GET', `/api/tasks/${running!.id}`, { token: remote.key.secret_key });
    expect(theirsNow.status === 404 || theirsNow.body.status === 'cancelled').toBe(true);
    for (const id of [undrawable.body.id, long.body.id]) expect(await ledgerOf(s, token, id)).toEqual(['release', 'reserve']);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 100, reserved: 0 });
    await waitFor(async () => (await call(remote.url, 'GET', '/api/balance', { token: remote.key.secret_key })).body.reserved === 0);
  });
});
