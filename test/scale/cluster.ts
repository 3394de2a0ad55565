/**
 * A scale-out installation in child processes, as an operator runs it: `kineo serve` and any number of
 * `kineo worker` processes sharing one config file (PostgreSQL, BullMQ on Redis, S3 via s3rver), plus a private
 * redis-server that a test may restart (the machine's shared Redis on 6379 is left alone).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { testBackends, type TestBackends } from '../server/backends.js';
import { call, waitFor } from '../server/helpers.js';
import type { ConfigInput } from '../../src/config.js';

const BIN = fileURLToPath(new URL('../../bin/kineo.mjs', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A redis-server of the test's own (no persistence, like the machine's): restartable without disturbing others. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor(async () => {
      const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => {}); // refused while it starts: the next try tells
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    }, 10_000, 50);
  }
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.on('exit', r));
    c.kill('SIGKILL');
    await exited;
  }
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'kineo-cluster-'));
  readonly configFile = join(this.dir, 'config.json');
  private readonly procs: Proc[] = [];
  private constructor(readonly backends: TestBackends) {}

  static async create(config: ConfigInput, redisUrl?: string): Promise<Cluster> {
    const backends = await testBackends(new Set(['postgres', 'bullmq', 's3']));
    const c = new Cluster(backends);
    const redis = { ...backends.overrides.redis, ...(redisUrl ? { url: redisUrl } : {}) };
    writeFileSync(c.configFile, JSON.stringify({
      // No effect previews: they are tasks, and the harness counts every task of the installation
      logLevel: 'info', dataDir: join(c.dir, 'data'), builtin: { preload: false }, effects: { prerender: false }, ...backends.overrides, redis, ...config,
    }));
    return c;
  }

  private spawn(args: string[], ready: RegExp): Promise<Proc & { match: RegExpExecArray }> {
    const child = spawn(process.execPath, [BIN, ...args, '--config', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const proc: Proc = { child, output: () => out, exited };
    this.procs.push(proc);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kineo ${args[0]} did not start: ${out}`)), 60_000);
      const onData = (d: Buffer) => {
        out += d;
        const m = ready.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ ...proc, match: m });
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d) => (out += d));
      child.on('exit', (code) => reject(new Error(`kineo ${args[0]} exited with ${code}: ${out}`)));
    });
  }

  async serve(): Promise<Proc & { url: string }> {
    // The listening line, not the first "url" in the log (a provider's own url option is printed with the config).
    const p = await this.spawn(['serve', '--port', '0'], /kineo listening on (http:\/\/[^"\s]+)/);
    return { ...p, url: p.match[1]! };
  }

  async worker(args: string[] = []): Promise<Proc> {
    return this.spawn(['worker', ...args], /kineo worker ready/);
  }

  /** Runs a `kineo` command to its end with this installation's config; its JSON output parsed. */
  cli<T = any>(args: string[]): T {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, KINEO_CONFIG: this.configFile } });
    if (r.status !== 0) throw new Error(`kineo ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  createKey(credits: number): { access_key: string; secret_key: string } {
    return this.cli(['keys', 'create', '--name', 'scale', '--credits', String(credits), '--json']);
  }

  async close(): Promise<void> {
    for (const p of this.procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(this.procs.map((p) => p.exited));
    await this.backends.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Reads the installation's database directly: what the API cannot show (attempts per task, ledger rows). */
export async function dbQuery<T>(c: Cluster, text: string, values: unknown[] = []): Promise<T[]> {
  const url = (c.backends.overrides.postgres as { url: string }).url;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Creates n tasks through the API, 20 requests at a time; returns their ids. */
export async function createMany(url: string, token: string, n: number, model = 'oracle'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) =>
      call(url, 'POST', '/api/tasks', { token, json: { model, prompt: 'a cat bounces on the beach', seed: i + j } })));
    for (const r of batch) {
      if (r.status !== 201) throw new Error(`create answered ${r.status}: ${JSON.stringify(r.body)}`);
      ids.push(r.body.id);
    }
  }
  return ids;
}

/** Unfinished tasks (queued or running) of the installation. */
export async function unfinished(c: Cluster): Promise<number> {
  return (await dbQuery<{ n: number }>(c, "select count(*)::int as n from tasks where status in ('queued', 'running')"))[0]!.n;
}

/** How the tasks ended: none lost (all succeeded), none run twice (one lease each, one capture each). */
export async function audit(c: Cluster, ids: string[]) {
  const tasks = await dbQuery<{ id: string; status: string; attempts: number }>(c, 'select id, status, attempts from tasks where id = any($1)', [ids]);
  const ledger = await dbQuery<{ task_id: string; kind: string; n: number }>(c, 'select task_id, kind, count(*)::int as n from ledger where task_id = any($1) group by task_id, kind', [ids]);
  const queue = await dbQuery<{ n: number }>(c, 'select count(*)::int as n from queue');
  const captures = ledger.filter((l) => l.kind === 'capture');
  return {
    lost: ids.length - tasks.filter((t) => t.status === 'succeeded').length,
    duplicated: tasks.filter((t) => t.attempts > 1).length,
    capturesPerTask: [...new Set(captures.map((l) => l.n))],
    captured: captures.length,
    queueRows: queue[0]!.n,
  };
}
