/**
 * Column types that mean the same on both databases, so that one migration source serves SQLite and PostgreSQL.
 * Numbers are 64-bit on both (SQLite's INTEGER always is; PostgreSQL's integer is 32-bit, too small for
 * millisecond timestamps, so it gets bigint); an auto-numbered key is AUTOINCREMENT on SQLite and an identity
 * column on PostgreSQL. On SQLite the DDL is exactly what the migrations wrote before PostgreSQL was supported.
 */
import { PostgresAdapter, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

export interface ColumnTypes {
  /** A 64-bit integer: counts, amounts, flags, millisecond timestamps. */
  int: 'integer' | 'bigint';
  /** An auto-numbered primary key column's modifier. */
  autoId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export function columnTypes(db: Kysely<any>): ColumnTypes {
  return isPostgres(db)
    ? { int: 'bigint', autoId: (c) => c.primaryKey().generatedByDefaultAsIdentity() }
    : { int: 'integer', autoId: (c) => c.primaryKey().autoIncrement() };
}
