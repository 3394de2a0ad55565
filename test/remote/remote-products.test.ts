/**
 * The product on remote providers (issue 22's acceptance): one studio fronting the built-in engine and all four
 * remote kinds — `comfyui` (a fake ComfyUI over HTTP + WebSocket), `kling` (Kineo's Kling API), `openai` (Kineo's
 * OpenAI videos API) and `kineo` (another Kineo) — runs a 20-variant ad batch and a 3-shot storyboard through each
 * remote, and arena pairs until every remote model has 50 voted battles; the leaderboard ranks the remote models
 * beside the built-in one. Real HTTP, real SQLite, real ffmpeg; the remotes are real servers.
 */
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/comfyui-server.js';
import { call, startServer, TINY_MODEL, waitFor, type TestServer } from '../server/helpers.js';

const REMOTES = ['wan-fake', 'kling-oracle', 'gateway-oracle', 'kineo-remote'] as const;
const BUILTIN = 'kineo-tiny';

describe('remote providers in the product: ad batches, storyboards and the arena', () => {
  let fake: FakeComfyUI;
  let remote: TestServer;
  let front: TestServer;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeComfyUI({ jobMs: 100, concurrency: 4 });
    const queue = { perKeyActive: 1000, maxQueued: 100_000 };
    remote = await startServer({ queue, builtin: { preload: false }, providers: [{ name: 'oracle', kind: 'oracle', workers: 4 }] }, { credits: 100_000 });
    process.env.KINEO_TEST_PRODUCT_ACCESS = remote.key.access_key;
    process.env.KINEO_TEST_PRODUCT_SECRET = remote.key.secret_key;
    const remoteShape = { seconds: ['2'], fps: 8, pollMs: 100 };
    front = await startServer({
      queue,
      auth: { mode: 'accounts' },
      arena: { bootstrapRounds: 100, contestants: [{ id: 'builtin', name: 'Kineo (built-in)', model: BUILTIN, steps: 2 }, ...REMOTES.map((m) => ({ id: m, name: m, model: m }))] },
      providers: [
        { name: 'builtin', kind: 'builtin', model: TINY_MODEL, threads: 1, preload: false, workers: 1 },
        { name: 'comfy', kind: 'comfyui', url: fake.url, workflow: 'examples/comfyui/wan2.2-t2v.json', model: 'wan-fake', sizes: { '1:1': '64x64', '16:9': '112x64', '9:16': '64x112' }, seconds: ['2'], fps: 8, lengthMultiple: 4, lengthPlus: 1, steps: 4, pollMs: 200, workers: 4 },
        { name: 'kling', kind: 'kling', baseUrl: remote.url, model: 'oracle', as: 'kling-oracle', accessKeyEnv: 'KINEO_TEST_PRODUCT_ACCESS', secretKeyEnv: 'KINEO_TEST_PRODUCT_SECRET', sizes: { '1:1': '256x256' }, ...remoteShape, maxPollMs: 300 },
        { name: 'gateway', kind: 'openai', baseUrl: `${remote.url}/v1`, model: 'oracle', as: 'gateway-oracle', apiKeyEnv: 'KINEO_TEST_PRODUCT_SECRET', size: '256x256', ...remoteShape },
        { name: 'gpu-box', kind: 'kineo', url: remote.url, model: 'oracle', as: 'kineo-remote', apiKeyEnv: 'KINEO_TEST_PRODUCT_SECRET', pollMs: 100 },
      ],
    });
    const { user } = await front.kineo.context.accounts.signUp('producer', 'correct horse battery');
    token = (await front.kineo.context.keys.create('producer', 10_000, user.id)).secret_key;
  }, 120_000);
  afterAll(async () => {
    await front?.stop();
    await remote?.stop();
    await fake?.close();
  });

  it('offers every remote model beside the built-in one in the model picker', async () => {
    const models = await call(front.url, 'GET', '/api/models', { token });
    expect(models.body.data.map((m: { id: string; provider: string }) => [m.id, m.provider])).toEqual([
      [BUILTIN, 'builtin'], ['wan-fake', 'comfy'], ['kling-oracle', 'kling'], ['gateway-oracle', 'gateway'], ['kineo-remote', 'gpu-box'],
    ]);
  });

  it('runs a 20-variant ad batch through each remote kind: every variant made, charged once, zipped', async () => {
    const models = (await call(front.url, 'GET', '/api/models', { token })).body.data as { id: string; capabilities: { aspects: string[] } }[];
    const batches = await Promise.all(REMOTES.map(async (model) => {
      const created = await call(front.url, 'POST', '/api/batches', {
        token,
        json: {
          name: 'Crunchy Apple', product: { subject: 'a red apple' }, selling_points: ['100% organic'], templates: ['squish', 'melt'],
          aspect_ratios: models.find((m) => m.id === model)!.capabilities.aspects, count: 20, model, seed: 7,
        },
      });
      expect(created.status, `${model}: ${JSON.stringify(created.body)}`).toBe(201);
      return created.body.id as string;
    }));
    for (const [i, id] of batches.entries()) {
      const done = await waitFor(async () => {
        const r = await call(front.url, 'GET', `/api/batches/${id}`, { token });
        return ['succeeded', 'partially_failed', 'failed', 'cancelled'].includes(r.body.status) && r.body;
      }, 400_000, 250);
      expect(done, REMOTES[i]).toMatchObject({ status: 'succeeded', counts: { succeeded: 20, failed: 0 } });
      const zip = unzipSync(new Uint8Array(await (await fetch(done.zip.url)).arrayBuffer()));
      expect(Object.keys(zip).filter((f) => f.endsWith('.mp4')), REMOTES[i]).toHaveLength(20);
      const ledger = (await call(front.url, 'GET', '/api/ledger?limit=500', { token })).body.data as { task_id: string; kind: string }[];
      for (const v of done.variants as { task_id: string }[]) {
        expect(ledger.filter((e) => e.task_id === v.task_id).map((e) => e.kind).sort()).toEqual(['capture', 'reserve']);
      }
    }
  }, 420_000);

  it('runs a 3-shot storyboard through each remote kind into one film', async () => {
    const ids = await Promise.all(REMOTES.map(async (model) => {
      const created = await call(front.url, 'POST', '/api/storyboards', {
        token,
        json: {
          title: 'The fox', subject: 'a red fox', model, size: 128, seed: 3,
          shots: [{ prompt: 'moves left on the beach', transition: 'crossfade' }, { prompt: 'jumps on the grass', transition: 'wipe_left' }, { prompt: 'spins in the snow' }],
        },
      });
      expect(created.status, `${model}: ${JSON.stringify(created.body)}`).toBe(201);
      return created.body.id as string;
    }));
    for (const [i, id] of ids.entries()) {
      const done = await waitFor(async () => {
        const r = await call(front.url, 'GET', `/api/storyboards/${id}`, { token });
        return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) && r.body;
      }, 200_000, 250);
      expect(done, REMOTES[i]).toMatchObject({ status: 'succeeded', video: { kind: 'video', content_type: 'video/mp4' } });
      expect(done.shots).toHaveLength(3);
    }
  }, 240_000);

  it('serves arena pairs until every remote model has 50 voted battles; the leaderboard ranks them beside the built-in model', async () => {
    const board = async () => (await call(front.url, 'GET', '/api/arena/leaderboard', { token })).body as { data: { id: string; battles: number; rating: number }[]; votes: number };
    const battles = async () => new Map((await board()).data.map((r) => [r.id, r.battles]));
    let pairs = 0;
    for (let round = 0; round < 40; round++) {
      const counts = await battles();
      if (REMOTES.every((m) => (counts.get(m) ?? 0) >= 50)) break;
      // Ten pairs at a time, each voted once both videos are ready (a vote prefers the left, so ratings differ).
      const served = await Promise.all(Array.from({ length: 10 }, async () => (await call(front.url, 'POST', '/api/arena/pairs', { token })).body));
      pairs += served.length;
      await Promise.all(served.map(async (pair, k) => {
        const ready = await waitFor(async () => (await call(front.url, 'GET', `/api/arena/pairs/${pair.id}`, { token })).body.ready, 200_000, 200)
          .catch(async () => JSON.stringify((await call(front.url, 'GET', `/api/arena/pairs/${pair.id}`, { token })).body));
        expect(ready, 'the pair never became ready').toBe(true);
        const voted = await call(front.url, 'POST', `/api/arena/pairs/${pair.id}/vote`, { token, json: { vote: k % 5 === 4 ? 'tie' : 'left' } });
        expect(voted.status, JSON.stringify(voted.body)).toBe(200);
      }));
    }
    const final = await board();
    const counts = new Map(final.data.map((r) => [r.id, r.battles]));
    for (const m of REMOTES) expect(counts.get(m), m).toBeGreaterThanOrEqual(50);
    expect(final.data.map((r) => r.id).sort()).toEqual(['builtin', ...REMOTES].sort());
    expect(final.votes).toBe(pairs);
  }, 900_000);
});
