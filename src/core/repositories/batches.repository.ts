/** Ad batch rows, their variants, and the key counters a batch takes as one submission. */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { BatchesTable, BatchVariantsTable } from '../db/schema.js';
import type { Q } from './executor.js';

export type BatchRow = Selectable<BatchesTable>;
export type BatchVariantRow = Selectable<BatchVariantsTable>;
export type BatchStatus = 'queued' | 'running' | 'assembling' | 'succeeded' | 'partially_failed' | 'failed' | 'cancelled';
export const ACTIVE_BATCH: readonly BatchStatus[] = ['queued', 'running', 'assembling'];

/** A variant with its current child task's state (null fields: the task row is gone). */
export type VariantWithTask = BatchVariantRow & {
  task_status: string | null;
  task_progress: number | null;
  task_error_code: string | null;
  task_error_message: string | null;
};

/** Rows per multi-row insert: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 100;

const variantsWithTasksQuery = (q: Q) =>
  q.selectFrom('batch_variants as v')
    .leftJoin('tasks as t', 't.id', 'v.task_id')
    .selectAll('v')
    .select(['t.status as task_status', 't.progress as task_progress', 't.error_code as task_error_code', 't.error_message as task_error_message']);

export const batchesRepository = {
  insert: (q: Q, row: Insertable<BatchesTable>) => q.insertInto('batches').values(row).execute(),
  async insertVariants(q: Q, rows: Insertable<BatchVariantsTable>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) await q.insertInto('batch_variants').values(rows.slice(i, i + CHUNK)).execute();
  },
  byId: (q: Q, id: string) => q.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst(),
  get: (q: Q, keyId: string, id: string) => q.selectFrom('batches').selectAll().where('id', '=', id).where('key_id', '=', keyId).executeTakeFirst(),
  byIdempotencyKey: (q: Q, keyId: string, idempotencyKey: string) =>
    q.selectFrom('batches').selectAll().where('key_id', '=', keyId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst(),
  page(q: Q, keyId: string, limit: number, after?: { created_at: number; id: string }) {
    let query = q.selectFrom('batches').selectAll().where('key_id', '=', keyId);
    if (after) {
      query = query.where((eb) => eb.or([eb('created_at', '<', after.created_at), eb.and([eb('created_at', '=', after.created_at), eb('id', '<', after.id)])]));
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  },
  activeIds: (q: Q) => q.selectFrom('batches').select('id').where('status', 'in', [...ACTIVE_BATCH]).orderBy('created_at').execute(),
  /** Updates a batch only while it has one of the `from` statuses; returns the new row or undefined. */
  transition: (q: Q, id: string, from: readonly BatchStatus[], set: Updateable<BatchesTable>) =>
    q.updateTable('batches').set(set).where('id', '=', id).where('status', 'in', [...from]).returningAll().executeTakeFirst(),
  update: (q: Q, id: string, set: Updateable<BatchesTable>) => q.updateTable('batches').set(set).where('id', '=', id).execute(),

  variants: (q: Q, batchId: string) => q.selectFrom('batch_variants').selectAll().where('batch_id', '=', batchId).orderBy('idx').execute(),
  variantsWithTasks: (q: Q, batchId: string): Promise<VariantWithTask[]> =>
    variantsWithTasksQuery(q).where('v.batch_id', '=', batchId).orderBy('v.idx').execute() as Promise<VariantWithTask[]>,
  /** The variants of several batches in one query (a list page), grouped by batch id, each group in index order. */
  async variantsWithTasksOf(q: Q, batchIds: string[]): Promise<Map<string, VariantWithTask[]>> {
    const byBatch = new Map<string, VariantWithTask[]>(batchIds.map((id) => [id, []]));
    if (batchIds.length === 0) return byBatch;
    const rows = await variantsWithTasksQuery(q).where('v.batch_id', 'in', batchIds).orderBy('v.batch_id').orderBy('v.idx').execute() as VariantWithTask[];
    for (const r of rows) byBatch.get(r.batch_id)!.push(r);
    return byBatch;
  },
  /** The variants whose current child task is one of `taskIds` (the task list's groups). */
  variantsOfTasks: (q: Q, taskIds: string[]) => taskIds.length
    ? q.selectFrom('batch_variants').select(['batch_id', 'idx', 'task_id']).where('task_id', 'in', taskIds).execute()
    : Promise.resolve([]),
  /** Settles a variant whose current task is `taskId` (no-op when another run settled or retried it first). */
  async settleVariant(q: Q, batchId: string, idx: number, taskId: string, set: Pick<Updateable<BatchVariantsTable>, 'status' | 'error_code' | 'error_message'>): Promise<boolean> {
    const r = await q.updateTable('batch_variants').set(set)
      .where('batch_id', '=', batchId).where('idx', '=', idx).where('task_id', '=', taskId).where('status', '=', 'active').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  /** Points a variant at a new child task (a retry); false when its task is no longer `fromTaskId`. */
  async repointVariant(q: Q, batchId: string, idx: number, fromTaskId: string, toTaskId: string, attempts: number): Promise<boolean> {
    const r = await q.updateTable('batch_variants').set({ task_id: toTaskId, attempts, error_code: null, error_message: null })
      .where('batch_id', '=', batchId).where('idx', '=', idx).where('task_id', '=', fromTaskId).where('status', '=', 'active').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  /**
   * Admits a batch as one submission: takes `n` concurrency slots and reserves `n × price` credits in one statement,
   * when the key has a free slot and enough credits for all of it. No row back: the caller reads the key to tell why.
   */
  admit: (q: Q, keyId: string, n: number, price: number, maxActive: number) =>
    q.updateTable('keys')
      .set((eb) => ({ active: eb('active', '+', n), balance: eb('balance', '-', n * price) }))
      .where('id', '=', keyId).where('active', '<', maxActive).where('balance', '>=', n * price)
      .returning(['balance', 'active'])
      .executeTakeFirst(),
  /** A slot and the credits for one more child of an admitted batch (a retry): the batch already holds its place. */
  admitRetry: (q: Q, keyId: string, price: number) =>
    q.updateTable('keys')
      .set((eb) => ({ active: eb('active', '+', 1), balance: eb('balance', '-', price) }))
      .where('id', '=', keyId).where('balance', '>=', price)
      .returning(['balance'])
      .executeTakeFirst(),
};
