/**
 * The backends a test server runs on. Default: embedded (SQLite, SQLite queue, local files). KINEO_TEST_BACKENDS
 * =scale (or a comma list of postgres, bullmq, s3) runs the same tests on a fresh PostgreSQL database
 * (127.0.0.1:5432), BullMQ on Redis (127.0.0.1:6379, a key prefix of its own) and an S3 server (s3rver, started
 * once per test file, a bucket per server) — the same suite, parametrized, not copied.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import S3rver from 's3rver';
import type { ConfigInput } from '../../src/config.js';

export const POSTGRES_ADMIN_URL = process.env.KINEO_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.KINEO_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export type Backend = 'postgres' | 'bullmq' | 's3';

export function selectedBackends(env = process.env.KINEO_TEST_BACKENDS ?? ''): Set<Backend> {
  const words = env.split(',').map((w) => w.trim()).filter(Boolean);
  const out = new Set<Backend>();
  for (const w of words) {
    if (w === 'scale') ['postgres', 'bullmq', 's3'].forEach((b) => out.add(b as Backend));
    else if (w === 'postgres' || w === 'bullmq' || w === 's3') out.add(w);
    else if (w !== 'embedded') throw new Error(`KINEO_TEST_BACKENDS: unknown backend "${w}" (use embedded, scale, or postgres,bullmq,s3)`);
  }
  return out;
}

export const scaleOut = selectedBackends().size > 0;

let s3server: Promise<{ endpoint: string }> | undefined;
function s3Endpoint(): Promise<{ endpoint: string }> {
  s3server ??= (async () => {
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: mkdtempSync(join(tmpdir(), 'kineo-s3rver-')) });
    const address = await server.run();
    return { endpoint: `http://127.0.0.1:${address.port}` };
  })();
  return s3server;
}

/** Runs `run` on a connection to the admin database, closed afterwards. */
export async function withPostgresAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export interface TestBackends {
  overrides: ConfigInput;
  /** Removes what the server left behind (its database, its Redis keys). */
  drop(): Promise<void>;
}

export async function testBackends(which = selectedBackends()): Promise<TestBackends> {
  const id = randomBytes(5).toString('hex');
  const overrides: ConfigInput = {};
  const drops: (() => Promise<void>)[] = [];
  if (which.has('postgres')) {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/kineo_t_${id}`;
    overrides.backends = { ...overrides.backends, db: 'postgres' };
    overrides.postgres = { url: url.toString(), poolSize: 8 };
    drops.push(() => withPostgresAdmin((client) => client.query(`drop database if exists kineo_t_${id} with (force)`)).then(() => undefined));
  }
  if (which.has('bullmq')) {
    const prefix = `kineo-t-${id}`;
    overrides.backends = { ...overrides.backends, queue: 'bullmq' };
    overrides.redis = { url: REDIS_URL, prefix };
    drops.push(async () => {
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    });
  }
  if (which.has('s3')) {
    const { endpoint } = await s3Endpoint();
    overrides.backends = { ...overrides.backends, storage: 's3' };
    overrides.s3 = { endpoint, bucket: `kineo-t-${id}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', createBucket: true, forcePathStyle: true };
  }
  return {
    overrides,
    async drop() {
      for (const d of drops) await d().catch(() => undefined);
    },
  };
}
