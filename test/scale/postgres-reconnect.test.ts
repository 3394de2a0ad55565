/**
 * A PostgreSQL server that ends an idle pooled connection (a restart, pg_terminate_backend, a dropped database) must
 * not take the Kineo process down: node-postgres emits 'error' on the pool, which without a listener is an uncaught
 * exception. Real PostgreSQL on 127.0.0.1:5432 (.ci/run starts it).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, expect, test, vi } from 'vitest';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/core/db/database.js';
import { POSTGRES_ADMIN_URL, withPostgresAdmin as admin } from '../server/backends.js';

const name = `kineo_t_${randomBytes(5).toString('hex')}`;

afterAll(() => admin((c) => c.query(`drop database if exists ${name} with (force)`)));

test('the pool survives PostgreSQL ending its idle connections and reconnects', async () => {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const config = loadConfig({ env: {}, overrides: { backends: { db: 'postgres' }, postgres: { url: url.toString(), poolSize: 2 } } });
  const { db } = await openDatabase(config);
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    await db.selectFrom('tasks').select('id').limit(1).execute(); // a migrated schema, an idle pooled connection
    const ended = await admin(async (c) => (await c.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name])).rowCount);
    expect(ended).toBeGreaterThan(0);
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.stringContaining('PostgreSQL closed an idle connection')));
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
  } finally {
    warn.mockRestore();
    await db.destroy();
  }
});
