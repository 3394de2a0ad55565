/** Idempotency keys: (key, Idempotency-Key) → the task its first request made, with the request's hash. */
import type { Q } from '../../core/repositories/executor.js';

export const idempotencyRepository = {
  get: (q: Q, keyId: string, idempotencyKey: string) =>
    q.selectFrom('idempotency').selectAll().where('key_id', '=', keyId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst(),
  insert: (q: Q, row: { key_id: string; idempotency_key: string; request_sha256: string; task_id: string; created_at: number }) =>
    q.insertInto('idempotency').values(row).execute(),
};
