/**
 * Scale-out in child processes: `kineo serve` with no model code, `kineo worker` processes taking jobs from BullMQ
 * on Redis, PostgreSQL and S3 (s3rver). A worker SIGKILLed mid-job → another finishes it, charged once; Redis
 * restarted mid-run (forgetting every job) → nothing lost; 4 workers drain 200 tasks, none lost, none run twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { call, waitFor } from '../server/helpers.js';
import { audit, Cluster, createMany, dbQuery, freePort, PrivateRedis, unfinished } from './cluster.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function cluster(config: Parameters<typeof Cluster.create>[0], redisUrl?: string): Promise<Cluster> {
  const c = await Cluster.create(config, redisUrl);
  cleanup.push(() => c.close());
  return c;
}

async function privateRedis(): Promise<PrivateRedis> {
  const r = new PrivateRedis(await freePort());
  await r.start();
  cleanup.push(() => r.stop());
  return r;
}

describe('scale-out: server, workers, PostgreSQL, BullMQ, S3', () => {
  it('runs no model code in the server; a SIGKILLed worker\'s job is finished by another and charged once', async () => {
    const c = await cluster({ oracle: { delayMs: 2500 }, queue: { leaseMs: 1500, renewMs: 300, pollMs: 100 }, workerConcurrency: { builtin: 0, oracle: 1 } });
    const key = c.createKey(10);
    const server = await c.serve();
    const a = await c.worker();
    const b = await c.worker();
    const created = await call(server.url, 'POST', '/api/tasks', { token: key.secret_key, json: { model: 'oracle', prompt: 'a dog jumps in the snow' } });
    expect(created.status).toBe(201);
    await waitFor(async () => (await call(server.url, 'GET', `/api/tasks/${created.body.id}`, { token: key.secret_key })).body.status === 'running', 20_000, 50);
    const [lease] = await dbQuery<{ lease_owner: string }>(c, 'select lease_owner from queue where task_id = $1', [created.body.id]);
    const victim = [a, b].find((w) => lease!.lease_owner.includes(`-${w.child.pid}-`))!;
    expect(victim).toBeDefined();
    victim.child.kill('SIGKILL');
    await victim.exited;

    const done = await waitFor(async () => {
      const r = await call(server.url, 'GET', `/api/tasks/${created.body.id}`, { token: key.secret_key });
      return ['succeeded', 'failed'].includes(r.body.status) ? r.body : undefined;
    }, 60_000, 100);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    const ledger = (await call(server.url, 'GET', '/api/ledger', { token: key.secret_key })).body.data.filter((e: { task_id: string }) => e.task_id === created.body.id);
    expect(ledger.map((e: { kind: string }) => e.kind).sort()).toEqual(['capture', 'reserve']);
    expect((await call(server.url, 'GET', '/api/balance', { token: key.secret_key })).body).toMatchObject({ balance: 9, reserved: 0, active_tasks: 0 });
    // The video is in S3: the signed link redirects to a presigned S3 URL.
    const link = done.files.find((f: { kind: string }) => f.kind === 'video').url;
    const redirect = await fetch(link, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toContain('X-Amz-Signature');
    const video = await fetch(link);
    expect(video.status).toBe(200);
    expect(Buffer.from(await video.arrayBuffer()).subarray(4, 8).toString()).toBe('ftyp');
    // The server never loaded or ran a model.
    expect(server.output()).not.toMatch(/generation failed|loading kineo/);
  }, 120_000);

  it('loses no job when Redis restarts mid-run and forgets every job', async () => {
    const redis = await privateRedis();
    const c = await cluster({ oracle: { delayMs: 150 }, queue: { leaseMs: 2000, renewMs: 500, pollMs: 200, perKeyActive: 1000 }, workerConcurrency: { builtin: 0, oracle: 2 } }, redis.url);
    const key = c.createKey(100);
    const server = await c.serve();
    await c.worker();
    await c.worker();
    const ids = await createMany(server.url, key.secret_key, 40);
    // Some done, most waiting in BullMQ: now Redis goes away with all of them, and comes back empty.
    await waitFor(async () => (await dbQuery<{ n: number }>(c, "select count(*)::int as n from tasks where status = 'succeeded'"))[0]!.n >= 3, 30_000, 50);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    await waitFor(async () => (await unfinished(c)) === 0, 90_000, 200);
    const result = await audit(c, ids);
    expect(result).toEqual({ lost: 0, duplicated: 0, capturesPerTask: [1], captured: 40, queueRows: 0 });
  }, 150_000);

  it('drains 200 tasks with 4 workers: none lost, none done twice', async () => {
    const c = await cluster({ queue: { leaseMs: 5000, renewMs: 1000, pollMs: 200, perKeyActive: 1000 }, workerConcurrency: { builtin: 0, oracle: 2 } });
    const key = c.createKey(1000);
    const server = await c.serve();
    const workers = await Promise.all([c.worker(), c.worker(), c.worker(), c.worker()]);
    const ids = await createMany(server.url, key.secret_key, 200);
    await waitFor(async () => (await unfinished(c)) === 0, 180_000, 250);
    const result = await audit(c, ids);
    expect(result).toEqual({ lost: 0, duplicated: 0, capturesPerTask: [1], captured: 200, queueRows: 0 });
    // Every worker took a share.
    const owners = await dbQuery<{ n: number }>(c, 'select count(distinct task_id)::int as n from ledger where kind = $1', ['capture']);
    expect(owners[0]!.n).toBe(200);
    expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
    expect((await call(server.url, 'GET', '/api/balance', { token: key.secret_key })).body).toMatchObject({ balance: 800, reserved: 0, active_tasks: 0 });
    // `kineo queues` shows every queue drained and no dead letters.
    const status = c.cli<{ bullmq: { queue: string; counts: Record<string, number> }[]; rows: { waiting: number; leased: number }; deadLetters: unknown[] }>(['queues', '--json']);
    expect(status.bullmq.map((q) => q.queue).sort()).toEqual(['batch', 'encode', 'generate-builtin', 'generate-oracle', 'webhook']);
    expect(status.bullmq.find((q) => q.queue === 'generate-oracle')!.counts).toMatchObject({ wait: 0, active: 0, delayed: 0, failed: 0 });
    expect(status.rows).toEqual({ waiting: 0, leased: 0 });
    expect(status.deadLetters).toEqual([]);
  }, 240_000);

  it('refuses to start a worker asked for a queue it has no handler for, saying which', async () => {
    const c = await cluster({});
    await expect(c.worker(['--queues', 'generate-nonexistent'])).rejects.toThrow(/no handler for generate-nonexistent; it can serve generate-builtin, generate-oracle/);
  }, 60_000);
});
