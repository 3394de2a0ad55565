/** Storyboards, their shots (each a child task), the assembly lease, and the storyboard's admission on its key. */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { StoryboardShotsTable, StoryboardStatus, StoryboardsTable } from '../db/schema.js';
import type { Q } from './executor.js';

export type StoryboardRow = Selectable<StoryboardsTable>;
export type StoryboardShotRow = Selectable<StoryboardShotsTable>;
export const STORYBOARD_TERMINAL: readonly StoryboardStatus[] = ['succeeded', 'failed', 'cancelled'];

/** A shot with what its task says now. */
export interface ShotState extends StoryboardShotRow {
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: number;
  error_code: string | null;
  error_message: string | null;
  meta: string | null;
  deleted_at: number | null;
}

export const storyboardsRepository = {
  insert: (q: Q, row: Insertable<StoryboardsTable>) => q.insertInto('storyboards').values(row).execute(),
  insertShots: (q: Q, rows: Insertable<StoryboardShotsTable>[]) => q.insertInto('storyboard_shots').values(rows).execute(),
  byId: (q: Q, id: string) => q.selectFrom('storyboards').selectAll().where('id', '=', id).executeTakeFirst(),
  get: (q: Q, keyId: string, id: string) => q.selectFrom('storyboards').selectAll().where('id', '=', id).where('key_id', '=', keyId).executeTakeFirst(),
  byIdempotencyKey: (q: Q, keyId: string, key: string) =>
    q.selectFrom('storyboards').selectAll().where('key_id', '=', keyId).where('idempotency_key', '=', key).executeTakeFirst(),
  /** Newest first; `after` is the last row of the previous page. */
  page(q: Q, keyId: string, limit: number, after?: { created_at: number; id: string }) {
    let query = q.selectFrom('storyboards').selectAll().where('key_id', '=', keyId);
    if (after) {
      query = query.where((eb) => eb.or([eb('created_at', '<', after.created_at), eb.and([eb('created_at', '=', after.created_at), eb('id', '<', after.id)])]));
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  },
  shots: (q: Q, storyboardId: string): Promise<ShotState[]> =>
    q.selectFrom('storyboard_shots as s').innerJoin('tasks as t', 't.id', 's.task_id')
      .select(['s.storyboard_id', 's.idx', 's.task_id', 's.caption', 't.status', 't.progress', 't.error_code', 't.error_message', 't.meta', 't.deleted_at'])
      .where('s.storyboard_id', '=', storyboardId).orderBy('s.idx').execute(),
  /** The shots whose task is one of `taskIds` (the task list's groups). */
  shotsOfTasks: (q: Q, taskIds: string[]) => taskIds.length
    ? q.selectFrom('storyboard_shots').select(['storyboard_id', 'idx', 'task_id']).where('task_id', 'in', taskIds).execute()
    : Promise.resolve([]),
  /**
   * Admits a storyboard's n clips on its key in one statement: n concurrency slots and n × price credits, when the
   * key has at least one free slot and the credits for every clip. No row back: no free slot or too few credits.
   */
  admit: (q: Q, keyId: string, clips: number, price: number, maxActive: number) =>
    q.updateTable('keys')
      .set((eb) => ({ active: eb('active', '+', clips), balance: eb('balance', '-', clips * price) }))
      .where('id', '=', keyId).where('active', '<', maxActive).where('balance', '>=', clips * price)
      .returning(['balance', 'active'])
      .executeTakeFirst(),
  /** Updates a storyboard only while it has one of the `from` statuses; returns the new row or undefined. */
  transition: (q: Q, id: string, from: readonly StoryboardStatus[], set: Updateable<StoryboardsTable>) =>
    q.updateTable('storyboards').set(set).where('id', '=', id).where('status', 'in', [...from]).returningAll().executeTakeFirst(),
  /** Storyboards that need a look: waiting on shots, or assembling with no live lease. */
  due: (q: Q, now: number, limit: number) =>
    q.selectFrom('storyboards').select('id')
      .where((eb) => eb.or([
        eb('status', 'in', ['queued', 'running']),
        eb.and([eb('status', '=', 'assembling'), eb.or([eb('assembly_expires_at', 'is', null), eb('assembly_expires_at', '<', now)])]),
      ]))
      .orderBy('created_at').limit(limit).execute(),
  /** Takes the assembly lease: from waiting-on-shots, or from an assembly whose lease expired. */
  claimAssembly: (q: Q, id: string, owner: string, now: number, leaseMs: number) =>
    q.updateTable('storyboards')
      .set((eb) => ({ status: 'assembling' as const, assembly_owner: owner, assembly_expires_at: now + leaseMs, assembly_attempts: eb('assembly_attempts', '+', 1), updated_at: now }))
      .where('id', '=', id)
      .where((eb) => eb.or([
        eb('status', 'in', ['queued', 'running']),
        eb.and([eb('status', '=', 'assembling'), eb.or([eb('assembly_expires_at', 'is', null), eb('assembly_expires_at', '<', now)])]),
      ]))
      .returningAll().executeTakeFirst(),
  renewAssembly: async (q: Q, id: string, owner: string, until: number): Promise<boolean> => {
    const r = await q.updateTable('storyboards').set({ assembly_expires_at: until })
      .where('id', '=', id).where('status', '=', 'assembling').where('assembly_owner', '=', owner).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  /** Gives the lease back to be taken again after `retryAt` (a failed attempt). */
  releaseAssembly: (q: Q, id: string, owner: string, retryAt: number, why: string) =>
    q.updateTable('storyboards').set({ assembly_owner: null, assembly_expires_at: retryAt, error_message: why, updated_at: Date.now() })
      .where('id', '=', id).where('status', '=', 'assembling').where('assembly_owner', '=', owner).execute(),
};
