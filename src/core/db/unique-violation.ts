/**
 * Which table a unique constraint refused a row of, from the driver's error: PostgreSQL names it (SQLSTATE 23505,
 * `table`); better-sqlite3 gives a code (SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY) and names the columns only in its
 * message ("UNIQUE constraint failed: idempotency.key_id, …"), so for SQLite that one fixed shape is read. Used
 * where two requests race for one idempotency key or external id: the loser answers like a replay.
 */
export function uniqueViolationTable(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; table?: unknown; message?: unknown };
  if (e.code === '23505') return typeof e.table === 'string' ? e.table : '';
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return /constraint failed: (\w+)\./.exec(String(e.message))?.[1] ?? '';
  }
  return undefined;
}
