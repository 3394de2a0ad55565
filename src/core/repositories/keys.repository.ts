/** API keys and their counters (credit balance, unfinished tasks). */
import type { Insertable, Selectable } from 'kysely';
import type { KeysTable } from '../db/schema.js';
import type { Q } from './executor.js';

export type KeyRow = Selectable<KeysTable>;

export const keysRepository = {
  insert: (q: Q, row: Insertable<KeysTable>) => q.insertInto('keys').values(row).execute(),
  byId: (q: Q, id: string) => q.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirst(),
  bySecretSha: (q: Q, sha: string) => q.selectFrom('keys').selectAll().where('secret_sha256', '=', sha).executeTakeFirst(),
  list: (q: Q) => q.selectFrom('keys').selectAll().orderBy('created_at').execute(),
  forUser: (q: Q, userId: string) => q.selectFrom('keys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
  revoke: (q: Q, id: string, at: number) => q.updateTable('keys').set({ revoked_at: at }).where('id', '=', id).execute(),
  /**
   * Takes a concurrency slot and reserves `price` credits in one statement; no row back means the key has no free
   * slot or too few credits (the caller reads the key to tell which).
   */
  takeSlotAndReserve: (q: Q, id: string, price: number, maxActive: number) =>
    q.updateTable('keys')
      .set((eb) => ({ active: eb('active', '+', 1), balance: eb('balance', '-', price) }))
      .where('id', '=', id).where('active', '<', maxActive).where('balance', '>=', price)
      .returning(['balance', 'active'])
      .executeTakeFirst(),
  /** Frees a slot and gives back `refund` credits (0 on success, the price on failure). */
  freeSlot: (q: Q, id: string, refund: number) =>
    q.updateTable('keys').set((eb) => ({ active: eb('active', '-', 1), balance: eb('balance', '+', refund) })).where('id', '=', id).execute(),
  addBalance: (q: Q, id: string, amount: number) =>
    q.updateTable('keys').set((eb) => ({ balance: eb('balance', '+', amount) })).where('id', '=', id).execute(),
};
