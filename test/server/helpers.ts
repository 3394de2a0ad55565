/**
 * Test helpers: a real Kineo server on an ephemeral port with a real database: SQLite in a temp dir, or — with
 * KINEO_TEST_BACKENDS=scale — a fresh PostgreSQL database, BullMQ on Redis and an S3 server (backends.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { loadConfig, type ConfigInput } from '../../src/config.js';
import { createKineo, makeProviders, type Kineo } from '../../src/kineo.js';
import { startWorker } from '../../src/worker/runtime.js';
import type { CreatedKey } from '../../src/server/services/keys.service.js';
import type { Provider } from '../../src/core/providers/provider.js';
import { testBackends, type TestBackends } from './backends.js';

export const TINY_MODEL = fileURLToPath(new URL('../fixtures/tiny-model/', import.meta.url));

export interface TestServer {
  kineo: Kineo;
  /** What the server runs on (kept by `keep`, for a second server on the same state). */
  backends: TestBackends;
  url: string;
  dataDir: string;
  key: CreatedKey;
  newKey(credits?: number): Promise<CreatedKey>;
  stop(): Promise<void>;
}

type Overrides = Omit<ConfigInput, 'dataDir' | 'port' | 'host'>;

function merge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = v && typeof v === 'object' && !Array.isArray(v) && typeof a[k] === 'object' ? merge(a[k], v) : v;
  return out;
}

export async function startServer(overrides: Overrides = {}, options: { providers?: Provider[]; credits?: number; dataDir?: string; keep?: boolean; backends?: TestBackends } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kineo-server-test-'));
  const base: Overrides = {
    logLevel: 'silent',
    builtin: { model: TINY_MODEL, threads: 1 },
    workers: { builtin: 1, oracle: 2 },
    queue: { pollMs: 50 },
    webhooks: { backoffBaseMs: 100, pollMs: 50 },
    security: { allowPrivateUrls: true },
    shutdownGraceS: 2,
    effects: { prerender: false }, // on where a test asks: previews are tasks, and they would join every test's queue
  };
  const backends = options.backends ?? (await testBackends());
  const config = loadConfig({ env: {}, overrides: { ...(merge(merge(base, backends.overrides), overrides) as Overrides), dataDir, host: '127.0.0.1', port: 0 } });
  const providers = options.providers ?? makeProviders(config);
  const kineo = await createKineo(config, { providers });
  const url = await kineo.start();
  // Scale-out: the server runs no model code; a worker (the runtime of `kineo worker`, in this process) takes
  // the jobs from BullMQ with the concurrency the test asked of the embedded pool.
  const { builtin, oracle } = config.workers;
  const worker = config.backends.queue === 'bullmq'
    ? await startWorker({ ...config, workerConcurrency: { ...config.workerConcurrency, builtin, oracle } }, providers)
    : undefined;
  let stopping: Promise<void> | undefined;
  const newKey = (credits = options.credits ?? 100) => kineo.context.keys.create('test', credits);
  const key = await newKey();
  return {
    kineo, url, dataDir, key, newKey, backends,
    stop() {
      // Once: a test may stop a server itself and leave it to the after-each cleanup too.
      stopping ??= (async () => {
        await worker?.stop();
        await kineo.stop();
        if (!options.keep) {
          rmSync(dataDir, { recursive: true, force: true });
          await backends.drop();
        }
      })();
      return stopping;
    },
  };
}

/** A Kling JWT: HS256 with the secret key, iss = access key, exp/nbf as Kling's docs show. */
export async function klingToken(key: Pick<CreatedKey, 'access_key' | 'secret_key'>, opts: { exp?: number; nbf?: number; secret?: string; iss?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(opts.iss ?? key.access_key)
    .setExpirationTime(opts.exp ?? now + 1800)
    .setNotBefore(opts.nbf ?? now - 5)
    .sign(new TextEncoder().encode(opts.secret ?? key.secret_key));
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = any>(url: string, method: string, path: string, opts: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
