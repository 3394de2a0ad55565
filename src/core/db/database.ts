/**
 * Opens the database through Kysely and brings its schema up to date with the one migration source: SQLite
 * (better-sqlite3, WAL) in embedded mode, PostgreSQL (node-postgres pool) in scale-out mode.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider, type SqliteDatabase } from 'kysely';
import type { Config } from '../../config.js';
import { migrations } from './migrations.js';
import { WriteCounter } from './read-cache.js';
import { startCheckpointer } from './checkpointer.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface OpenedDatabase {
  db: Db;
  dialect: 'sqlite' | 'postgres';
}

export type DatabaseConfig = Pick<Config, 'dataDir' | 'backends' | 'postgres'>;

/**
 * Kysely prepares every query it runs; better-sqlite3 statements are reusable, so keep the prepared ones by SQL
 * text (bounded) — a large share of a small request's time otherwise.
 */
function withStatementCache(sqlite: SQLite.Database, onClose: () => void, max = 1000): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      onClose();
      sqlite.close();
    },
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

function openSqlite(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'kineo.db');
  const fresh = !existsSync(path);
  const sqlite = new SQLite(path);
  if (fresh) chmodSync(path, 0o600); // it holds the (encrypted) key secrets
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Checkpoints run in a worker thread (checkpointer.ts); the automatic one only past ~80 MB of WAL.
  sqlite.pragma('wal_autocheckpoint = 20000');
  const checkpointer = startCheckpointer(path);
  const counter = new WriteCounter();
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, () => checkpointer.stop()) }), plugins: [counter] });
  writeCounters.set(db, counter);
  return db;
}

/** The write counter of each SQLite database this process opened (read-cache.ts); none for PostgreSQL. */
export const writeCounters = new WeakMap<Kysely<Database>, WriteCounter>();

// 64-bit integers (counts, millisecond timestamps) come back as numbers, as they do from SQLite; every value we
// store is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Creates the database named in the URL when it is missing (first start of an installation, tests). */
async function ensurePostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`postgres.url ${url} names no database; end it with /<database>`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database "${name.replace(/"/g, '""')}"`);
      } catch (err) {
        if ((err as { code?: string }).code !== '42P04') throw err; // another process created it first
      }
    }
  } finally {
    await client.end();
  }
}

async function openPostgres(config: DatabaseConfig): Promise<Db> {
  const { url, poolSize, createDatabase } = config.postgres;
  try {
    if (createDatabase) await ensurePostgresDatabase(url);
    const pool = new pg.Pool({ connectionString: url, max: poolSize });
    // An idle connection the server ends (a restart, an admin's terminate, a dropped database) makes the pool emit
    // 'error'; without a listener that is an uncaught exception that kills the process. The pool has already
    // discarded the client and opens a new one on the next query, so a warning is all it needs.
    pool.on('error', (err) => console.warn(`kineo: PostgreSQL closed an idle connection (${err.message}); the pool will reconnect`));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    return db;
  } catch (err) {
    const where = url.replace(/\/\/[^@/]+@/, '//***@');
    throw new Error(`cannot use PostgreSQL at ${where}: ${(err as Error).message}. Check postgres.url (KINEO_DATABASE_URL) and that the server runs`);
  }
}

export async function openDatabase(config: DatabaseConfig): Promise<OpenedDatabase> {
  const dialect = config.backends.db;
  const db = dialect === 'postgres' ? await openPostgres(config) : openSqlite(config.dataDir);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { db, dialect };
}
