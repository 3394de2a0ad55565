/** Task rows: the source of truth of every generation. */
import type { CompiledQuery, Insertable, Selectable, Updateable } from 'kysely';
import type { TasksTable, TaskStatus } from '../db/schema.js';
import type { Q } from './executor.js';
import { writeCounters } from '../db/database.js';
import { RowCache } from '../db/read-cache.js';

export type TaskRow = Selectable<TasksTable>;
export const TERMINAL: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];
export const isTerminal = (s: TaskStatus) => TERMINAL.includes(s);

export interface TaskPage {
  keyId: string;
  order: 'asc' | 'desc';
  limit: number;
  /** Rows after this task (by created_at, id) in the chosen order. */
  after?: { created_at: number; id: string };
  offset?: number;
  capability?: string;
  api?: string;
}

/**
 * The status poll is the hottest query: it is built by Kysely once per executor and then run with new parameters
 * (building a query costs more than running it, mostly in allocations).
 */
const compiledGet = new WeakMap<Q, CompiledQuery<TaskRow>>();
/** Embedded mode also keeps polled rows until the next write (db/read-cache.ts). */
const pollCaches = new WeakMap<Q, RowCache<TaskRow>>();
async function getTask(q: Q, keyId: string, id: string): Promise<TaskRow | undefined> {
  let cache = pollCaches.get(q);
  if (!cache) {
    const counter = writeCounters.get(q);
    if (counter) pollCaches.set(q, (cache = new RowCache<TaskRow>(counter)));
  }
  const hit = cache?.get(id);
  if (hit) return hit.key_id === keyId ? hit : undefined;
  let compiled = compiledGet.get(q);
  if (!compiled) {
    compiled = q.selectFrom('tasks').selectAll().where('id', '=', '?').where('key_id', '=', '?').where('deleted_at', 'is', null).compile();
    compiledGet.set(q, compiled);
  }
  const writes = cache?.writes ?? 0;
  const row = (await q.executeQuery<TaskRow>({ ...compiled, parameters: [id, keyId] })).rows[0];
  if (row && cache) cache.set(id, row, writes);
  return row;
}

export const tasksRepository = {
  insert: (q: Q, row: Insertable<TasksTable>) => q.insertInto('tasks').values(row).execute(),
  /** A live (not deleted) task of this key. */
  get: getTask,
  byId: (q: Q, id: string) => q.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst(),
  byExternalId: (q: Q, keyId: string, externalId: string) =>
    q.selectFrom('tasks').selectAll().where('key_id', '=', keyId).where('external_task_id', '=', externalId).where('deleted_at', 'is', null).executeTakeFirst(),
  page(q: Q, p: TaskPage) {
    let query = q.selectFrom('tasks').selectAll().where('key_id', '=', p.keyId).where('deleted_at', 'is', null);
    if (p.capability) query = query.where('capability', '=', p.capability as TaskRow['capability']);
    if (p.after) {
      const { created_at, id } = p.after;
      const cmp = p.order === 'desc' ? '<' : '>';
      query = query.where((eb) => eb.or([eb('created_at', cmp, created_at), eb.and([eb('created_at', '=', created_at), eb('id', cmp, id)])]));
    }
    query = query.orderBy('created_at', p.order).orderBy('id', p.order).limit(p.limit);
    if (p.offset) query = query.offset(p.offset);
    return query.execute();
  },
  /** Updates a task only while it has one of the `from` statuses; returns the new row or undefined. */
  transition: (q: Q, id: string, from: readonly TaskStatus[], set: Updateable<TasksTable>) =>
    q.updateTable('tasks').set(set).where('id', '=', id).where('status', 'in', [...from]).returningAll().executeTakeFirst(),
  update: (q: Q, id: string, set: Updateable<TasksTable>) => q.updateTable('tasks').set(set).where('id', '=', id).execute(),
  countByStatus: (q: Q, status: TaskStatus) =>
    q.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', status).executeTakeFirstOrThrow(),
};
