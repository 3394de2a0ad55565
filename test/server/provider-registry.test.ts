/**
 * Providers as plugins: config lists instances of registered kinds (a bad entry stops the start with a sentence
 * saying where), requests are checked against what a provider declares it can do (4xx with a code, never a failed
 * job), and Retry-After follows run times measured in the database by whichever process ran the jobs — on the
 * scale-out backend too, where the server runs none itself.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { providerInstances } from '../../src/core/providers/instances.js';
import { OracleProvider } from '../../src/core/providers/oracle.js';
import type { ProviderCapabilities } from '../../src/core/providers/provider.js';
import { call, waitFor } from './helpers.js';
import { startServerPerTest } from './per-test.js';

const start = startServerPerTest();
const config = (providers: unknown) => loadConfig({ env: {}, overrides: { providers: providers as never } });

/** The oracle declaring other capabilities (what a remote provider might), so the API's checks can be seen. */
class DeclaringOracle extends OracleProvider {
  override readonly capabilities: ProviderCapabilities;
  constructor(caps: Partial<ProviderCapabilities>, private readonly declaredRunS = 0.2, delayMs = 0) {
    super(delayMs);
    this.capabilities = { ...new OracleProvider().capabilities, ...caps };
  }

  override get expectedRunS(): number {
    return this.declaredRunS;
  }
}

describe('provider config', () => {
  it('defaults to the builtin engine and the oracle, from the legacy sections and variables', () => {
    const instances = providerInstances(loadConfig({ env: { KINEO_WORKERS_ORACLE: '5', KINEO_ORACLE_DELAY_MS: '7' } }));
    expect(instances.map((i) => [i.name, i.kind, i.workers])).toEqual([['builtin', 'builtin', 1], ['oracle', 'oracle', 5]]);
    expect(instances[1]!.options).toEqual({ delayMs: 7, as: 'oracle' });
    expect(providerInstances(loadConfig({ env: {}, overrides: { oracle: { enabled: false } } })).map((i) => i.name)).toEqual(['builtin']);
  });

  it('takes a list of instances, several of one kind, each with its own options, workers and price', () => {
    const instances = providerInstances(config([
      { name: 'fast', kind: 'oracle', workers: 3, pricePerClip: 0 },
      { name: 'slow', kind: 'oracle', as: 'slow-oracle', delayMs: 500, concurrency: 9 },
    ]));
    expect(instances).toEqual([
      { name: 'fast', kind: 'oracle', workers: 3, concurrency: 4, pricePerClip: 0, options: { delayMs: 0, as: 'oracle' } },
      { name: 'slow', kind: 'oracle', workers: 2, concurrency: 9, pricePerClip: undefined, options: { delayMs: 500, as: 'slow-oracle' } },
    ]);
  });

  it('refuses an unknown kind, naming the entry and the kinds this build has', () => {
    expect(() => config([{ name: 'gpu', kind: 'runway' }])).toThrow(ConfigError);
    expect(() => config([{ name: 'gpu', kind: 'runway' }])).toThrow(/providers\[0\]: unknown provider kind "runway"; this build has builtin, oracle, openai, kineo, comfyui, kling/);
  });

  it("refuses an option the kind does not take, a bad name and a name used twice", () => {
    expect(() => config([{ name: 'o', kind: 'oracle', model: 'x' }])).toThrow(/providers\[0\]: Unrecognized key.*model/);
    expect(() => config([{ name: 'Bad Name', kind: 'oracle' }])).toThrow(/providers\[0\]\.name/);
    expect(() => config([{ name: 'o', kind: 'oracle' }, { name: 'o', kind: 'oracle' }])).toThrow(/providers\[1\]\.name: two providers are named "o"/);
    expect(() => config([])).toThrow(/providers is empty/);
  });

  it('refuses two providers offering one model name', async () => {
    await expect(start({ providers: [{ name: 'a', kind: 'oracle' }, { name: 'b', kind: 'oracle' }] }))
      .rejects.toThrow(/providers "a" and "b" both offer the model "oracle"; give one another name with "as"/);
  });
});

describe('capabilities', () => {
  it('answers 400 with a code and the wire format\'s field name for what the provider cannot do', async () => {
    const s = await start({ workers: { oracle: 0, builtin: 0 } }, { providers: [new DeclaringOracle({ image: true, effects: false, durations: ['2', '4'] })] });
    const token = s.key.secret_key;
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const tail = await call(s.url, 'POST', '/v1/videos/image2video', { token, json: { model_name: 'oracle', image: png, image_tail: png } });
    expect(tail).toMatchObject({ status: 400, body: { code: 1201, message: expect.stringContaining('image_tail') } });
    const effects = await call(s.url, 'POST', '/v1/videos/effects', { token, json: { effect_scene: 'squish', input: { model_name: 'oracle', prompt: 'a cat' } } });
    expect(effects).toMatchObject({ status: 400, body: { code: 1201, message: expect.stringContaining('effect templates') } });
    const long = await call(s.url, 'POST', '/v1/videos', { token, json: { model: 'oracle', prompt: 'a cat', seconds: '8' } });
    expect(long).toMatchObject({ status: 400, body: { error: { code: 'unsupported_parameter', param: 'seconds' } } });
    // A duration the provider declares is taken, and the model list shows what each provider can do.
    expect((await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a cat', seconds: '4' } })).status).toBe(201);
    const models = await call(s.url, 'GET', '/api/models', { token });
    expect(models.body.data[0]).toMatchObject({ id: 'oracle', provider: 'oracle', capabilities: { image: true, effects: false, durations: ['2', '4'] }, price_per_clip: 1 });
    // The studio's time estimate: the declared run time until one is measured, and the queued task ahead (nothing
    // runs here) keeps the provider's slots busy a while (its share of 0.2 s: embedded has one slot, scale-out the
    // configured concurrency).
    expect(models.body.data[0]).toMatchObject({ default_steps: null, expected_run_s: 0.2, max_steps: 100 });
    expect(models.body.data[0].queue_wait_s).toBeGreaterThan(0);
    expect(models.body.data[0].queue_wait_s).toBeLessThanOrEqual(0.2);
  });
});

describe('default lengths', () => {
  it('gives a request without a length its API\'s default (Kling "5", OpenAI "4") where the model makes it, else the model\'s', async () => {
    // Nothing runs (no workers): what is checked is the length each task was admitted with.
    const s = await start({ workers: { oracle: 0, builtin: 0 } }, {
      providers: [new DeclaringOracle({ durations: ['2', '4', '5', '10'] }), new OracleProvider(0, 'short', 'short-oracle')],
    });
    const token = s.key.secret_key;
    const secondsOf = async (created: { status: number; body: any }) => {
      expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
      const id = created.body.data?.task_id ?? created.body.id;
      return (await call(s.url, 'GET', `/api/tasks/${id}`, { token })).body.params.seconds as string;
    };
    const kling = (model: string) => call(s.url, 'POST', '/v1/videos/text2video', { token, json: { model_name: model, prompt: 'a cat' } });
    const openai = (model: string) => call(s.url, 'POST', '/v1/videos', { token, json: { model, prompt: 'a cat' } });
    const effect = (model: string) => call(s.url, 'POST', '/v1/videos/effects', { token, json: { effect_scene: 'squish', input: { model_name: model, prompt: 'a cat' } } });
    const native = (model: string) => call(s.url, 'POST', '/api/tasks', { token, json: { model, prompt: 'a cat' } });
    expect([await secondsOf(await kling('oracle')), await secondsOf(await effect('oracle')), await secondsOf(await openai('oracle')), await secondsOf(await native('oracle'))])
      .toEqual(['5', '5', '4', '2']);
    // A model that makes neither: its own length, not a refusal.
    expect([await secondsOf(await kling('short-oracle')), await secondsOf(await openai('short-oracle'))]).toEqual(['2', '2']);
    // An asked length is kept as asked.
    expect(await secondsOf(await call(s.url, 'POST', '/v1/videos', { token, json: { model: 'oracle', prompt: 'a cat', seconds: '10' } }))).toBe('10');
  });
});

describe('Retry-After', () => {
  it('follows the run times the database has measured, not the provider\'s declared guess', async () => {
    // Declares 100 s a job but takes ~1.5 s: once one job has run (in this process, or in a worker on the
    // scale-out backend), a busy key is told to come back in seconds, not minutes.
    const s = await start({ queue: { perKeyActive: 1 } }, { providers: [new DeclaringOracle({}, 100, 1500)] });
    const token = s.key.secret_key;
    const create = (prompt: string) => call(s.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt } });
    const first = await create('a cat jumps on the beach');
    expect(first.status).toBe(201);
    const guessed = await create('a dog');
    expect(guessed.status).toBe(429);
    expect(Number(guessed.headers.get('retry-after'))).toBeGreaterThanOrEqual(40);
    await waitFor(async () => (await call(s.url, 'GET', `/api/tasks/${first.body.id}`, { token })).body.status === 'succeeded');
    await new Promise((r) => setTimeout(r, 1100)); // the server re-reads run times at most once a second
    expect((await create('a fox runs in the snow')).status).toBe(201);
    const measured = await create('a dog');
    expect(measured.status).toBe(429);
    expect(Number(measured.headers.get('retry-after'))).toBeLessThanOrEqual(6);
  });
});
