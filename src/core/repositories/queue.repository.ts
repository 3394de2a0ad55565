/**
 * The queue is a lease table: a row per task to run. A worker takes a row by writing its name and a lease expiry;
 * it renews the lease while it works; a row whose lease expired (its worker died) is taken again.
 */
import { sql } from 'kysely';
import type { Q } from './executor.js';

export const queueRepository = {
  enqueue: (q: Q, taskId: string, provider: string, availableAt: number) =>
    q.insertInto('queue').values({ task_id: taskId, provider, available_at: availableAt, attempts: 0 })
      .onConflict((oc) => oc.column('task_id').doUpdateSet({ lease_owner: null, lease_expires_at: null, available_at: availableAt }))
      .execute(),
  /**
   * Takes the oldest free row of a provider (never leased, or its lease expired); undefined when none. The outer
   * WHERE repeats "free": on PostgreSQL two takers may pick the same row in the subquery, and the second one's
   * UPDATE, re-checked after the first commits, then matches nothing (it comes back empty and looks again).
   */
  take: (q: Q, provider: string, owner: string, now: number, leaseMs: number) =>
    q.updateTable('queue')
      .set((eb) => ({ lease_owner: owner, lease_expires_at: now + leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('task_id', '=', (eb) => eb.selectFrom('queue').select('task_id')
        .where('provider', '=', provider).where('available_at', '<=', now)
        .where((w) => w.or([w('lease_owner', 'is', null), w('lease_expires_at', '<', now)]))
        .orderBy('available_at').limit(1))
      .where((w) => w.or([w('lease_owner', 'is', null), w('lease_expires_at', '<', now)]))
      .returningAll()
      .executeTakeFirst(),
  /** Takes one task's row when it is free (a worker handed this task by BullMQ); undefined when leased or gone. */
  takeTask: (q: Q, taskId: string, owner: string, now: number, leaseMs: number) =>
    q.updateTable('queue')
      .set((eb) => ({ lease_owner: owner, lease_expires_at: now + leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('task_id', '=', taskId).where('available_at', '<=', now)
      .where((w) => w.or([w('lease_owner', 'is', null), w('lease_expires_at', '<', now)]))
      .returningAll()
      .executeTakeFirst(),
  /** Free rows that are due (what BullMQ should hold: the reconciler re-adds any it lost). */
  due: (q: Q, now: number, limit: number) =>
    q.selectFrom('queue').select(['task_id', 'provider', 'available_at', 'attempts'])
      .where('available_at', '<=', now)
      .where((w) => w.or([w('lease_owner', 'is', null), w('lease_expires_at', '<', now)]))
      .orderBy('available_at').limit(limit).execute(),
  renew: async (q: Q, taskId: string, owner: string, until: number): Promise<boolean> => {
    const r = await q.updateTable('queue').set({ lease_expires_at: until }).where('task_id', '=', taskId).where('lease_owner', '=', owner).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  /** Gives a leased row back (graceful shutdown): free for any worker at once. */
  giveBack: (q: Q, taskId: string, owner: string) =>
    q.updateTable('queue').set((eb) => ({ lease_owner: null, lease_expires_at: null, attempts: eb('attempts', '-', 1) }))
      .where('task_id', '=', taskId).where('lease_owner', '=', owner).execute(),
  remove: (q: Q, taskId: string) => q.deleteFrom('queue').where('task_id', '=', taskId).execute(),
  get: (q: Q, taskId: string) => q.selectFrom('queue').selectAll().where('task_id', '=', taskId).executeTakeFirst(),
  /** Rows waiting (not leased) ahead of a provider's workers. */
  waiting: (q: Q) =>
    q.selectFrom('queue').select(['provider', sql<number>`count(*)`.as('n')]).where('lease_owner', 'is', null).groupBy('provider').execute(),
};
