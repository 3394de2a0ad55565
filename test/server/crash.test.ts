/**
 * The crash test: `kineo serve` as a child process, SIGKILLed mid-generation, restarted; the task completes and its
 * credits are charged once. Also `kineo keys create --json` and graceful shutdown on SIGTERM. Then SIGKILL under
 * load, only in `npm run test:hostile` (about a minute; `npm test` has the single kill above): three SIGKILLs while
 * 50 tasks and an ad batch run: nothing lost, every task reserved and captured once, every file's
 * bytes match its sha256.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kineo } from '../cli-helpers.js';
import { call, TINY_MODEL, waitFor } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/kineo.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kineo-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function serve(configFile: string, dataDir = join(dir, 'data')): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--port', '0', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kineo serve did not start: ${out}`)), 60_000); // slow on a loaded machine
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, exited });
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`kineo serve exited with ${code}: ${out}`)));
  });
}

describe('a crash mid-generation', () => {
  it('loses nothing: after SIGKILL and a restart the task completes and is charged once', async () => {
    const keys = kineo(['keys', 'create', '--name', 'crash', '--data', join(dir, 'data'), '--json']);
    expect(keys.status).toBe(0);
    const key = JSON.parse(keys.stdout) as { access_key: string; secret_key: string };
    expect(key.access_key).toMatch(/^ak_/);
    expect(key.secret_key).toMatch(/^sk_/);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      logLevel: 'info', builtin: { model: TINY_MODEL, preload: false }, workers: { builtin: 0, oracle: 1 }, oracle: { delayMs: 3000 },
      queue: { leaseMs: 1000, renewMs: 250, pollMs: 100 }, shutdownGraceS: 0, effects: { prerender: false },
    }));

    const first = await serve(config);
    const token = key.secret_key;
    const created = await call(first.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a cat bounces on the beach' } });
    expect(created.status).toBe(201);
    await waitFor(async () => {
      const r = await call(first.url, 'GET', `/api/tasks/${created.body.id}`, { token });
      return r.body.status === 'running' && r.body.progress > 5;
    }, 20_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await serve(config);
    const done = await waitFor(async () => {
      const r = await call(second.url, 'GET', `/api/tasks/${created.body.id}`, { token });
      return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
    }, 30_000, 100);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    const ledger = (await call(second.url, 'GET', '/api/ledger', { token })).body.data.filter((e: { task_id: string }) => e.task_id === created.body.id);
    expect(ledger.map((e: { kind: string }) => e.kind).sort()).toEqual(['capture', 'reserve']);
    expect((await call(second.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 99, reserved: 0, active_tasks: 0 });
    const video = await fetch(done.files.find((f: { kind: string }) => f.kind === 'video').url);
    expect(video.status).toBe(200);

    // Graceful shutdown: SIGTERM with a task running gives its lease back and exits 0.
    const again = await call(second.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a dog jumps in the snow' } });
    await waitFor(async () => (await call(second.url, 'GET', `/api/tasks/${again.body.id}`, { token })).body.status === 'running', 10_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const third = await serve(config);
    const finished = await waitFor(async () => {
      const r = await call(third.url, 'GET', `/api/tasks/${again.body.id}`, { token });
      return r.body.status === 'succeeded' ? r.body : undefined;
    }, 30_000, 100);
    expect(finished.attempts).toBe(1); // given back, not counted as a failed attempt
    third.child.kill('SIGTERM');
    await third.exited;
  }, 90_000);
});

const FULL = process.env.KINEO_HOSTILE === 'full';

describe.runIf(FULL)('SIGKILL under load', () => {
  const TASKS = 50;
  const KILLS = 3;
  const VARIANTS = 6;

  it(`loses nothing and charges once through ${KILLS} SIGKILL(s) during ${TASKS} tasks and an ad batch of ${VARIANTS}`, async () => {
    const data = join(dir, 'load');
    const keys = kineo(['keys', 'create', '--name', 'load', '--credits', '1000', '--data', data, '--json']);
    expect(keys.status).toBe(0);
    const token = (JSON.parse(keys.stdout) as { secret_key: string }).secret_key;
    const config = join(dir, 'load.json');
    writeFileSync(config, JSON.stringify({
      logLevel: 'info', builtin: { model: TINY_MODEL, preload: false }, workers: { builtin: 0, oracle: 3 }, oracle: { delayMs: 400 },
      queue: { leaseMs: 1000, renewMs: 250, pollMs: 100, perKeyActive: 1000 }, shutdownGraceS: 0, effects: { prerender: false },
    }));
    let server = await serve(config, data);
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 10) {
      const made = await Promise.all(Array.from({ length: Math.min(10, TASKS - i) }, (_, j) =>
        call(server.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a cat bounces on the beach', seed: i + j } })));
      for (const r of made) {
        expect(r.status).toBe(201);
        ids.push(r.body.id);
      }
    }
    const batch = await call(server.url, 'POST', '/api/batches', { token, json: {
      name: 'Crunchy Apple', product: { subject: 'a red apple' }, templates: ['squish', 'melt'], aspect_ratios: ['1:1'], count: VARIANTS, model: 'oracle', seed: 3,
    } });
    expect(batch.status).toBe(201);

    const db = new Database(join(data, 'kineo.db'), { readonly: true, fileMustExist: true });
    try {
      const succeeded = () => (db.prepare("select count(*) as n from tasks where status = 'succeeded'").get() as { n: number }).n;
      const running = () => (db.prepare("select count(*) as n from tasks where status = 'running'").get() as { n: number }).n;
      const variantsRunning = () => (db.prepare("select count(*) as n from tasks t join batch_variants v on v.task_id = t.id where v.batch_id = ? and t.status = 'running'").get(batch.body.id) as { n: number }).n;
      for (let k = 0; k < KILLS; k++) {
        // kill with work done since the last start and work still running; the last kill while the batch's
        // variants run
        const before = succeeded();
        if (k < KILLS - 1) await waitFor(async () => succeeded() >= before + 2 && running() > 0, 60_000, 25);
        else await waitFor(async () => variantsRunning() > 0, 60_000, 10);
        server.child.kill('SIGKILL');
        await server.exited;
        server = await serve(config, data);
      }
      const batchDone = await waitFor(async () => {
        const r = await call(server.url, 'GET', `/api/batches/${batch.body.id}`, { token });
        return ['succeeded', 'partially_failed', 'failed', 'cancelled'].includes(r.body.status) && r.body;
      }, 120_000, 200);
      await waitFor(async () => (db.prepare("select count(*) as n from tasks where status in ('queued', 'running')").get() as { n: number }).n === 0, 120_000, 200);
      const took = Date.now() - t0;

      expect(batchDone.status).toBe('succeeded');
      expect(batchDone.zip).toBeTruthy();
      const variantTasks = (db.prepare('select task_id from batch_variants where batch_id = ?').all(batch.body.id) as { task_id: string }[]).map((v) => v.task_id);
      expect(variantTasks).toHaveLength(VARIANTS);
      const all = [...ids, ...variantTasks];
      const tasks = db.prepare(`select id, status, attempts from tasks where id in (${all.map(() => '?').join(',')})`).all(...all) as { id: string; status: string; attempts: number }[];
      expect(tasks.filter((t) => t.status !== 'succeeded'), 'lost').toEqual([]);
      const ledger = db.prepare(`select task_id, kind, count(*) as n from ledger where task_id in (${all.map(() => '?').join(',')}) group by task_id, kind`).all(...all) as { task_id: string; kind: string; n: number }[];
      const per = new Map<string, Record<string, number>>();
      for (const l of ledger) per.set(l.task_id, { ...per.get(l.task_id), [l.kind]: l.n });
      for (const id of all) expect(per.get(id), id).toEqual({ reserve: 1, capture: 1 });
      expect((await call(server.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 1000 - all.length, reserved: 0, active_tasks: 0 });
      // every file's bytes match the sha256 recorded for them (the videos, posters and the batch's zip)
      const files = db.prepare('select f.id, f.sha256, f.bytes from files f join keys k on k.id = f.key_id where k.name = ?').all('load') as { id: string; sha256: string; bytes: number }[];
      expect(files.length).toBeGreaterThanOrEqual(all.length + 1);
      for (const f of files) {
        const res = await fetch(`${server.url}/api/files/${f.id}/content`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status, f.id).toBe(200);
        const bytes = Buffer.from(await res.arrayBuffer());
        expect({ id: f.id, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ id: f.id, bytes: f.bytes, sha256: f.sha256 });
      }
      const rerun = tasks.filter((t) => t.attempts > 1).length;
      console.log(`SIGKILL under load: ${KILLS} kill(s), ${all.length} tasks (${rerun} run again after a kill), ${files.length} files intact, ${(took / 1000).toFixed(1)} s`);
    } finally {
      db.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 300_000);
});
