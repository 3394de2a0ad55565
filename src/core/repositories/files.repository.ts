/** File records: who owns which blob (outputs of a task, uploads). Blobs are shared; records are per key. */
import type { Insertable, Selectable } from 'kysely';
import type { FilesTable } from '../db/schema.js';
import type { Q } from './executor.js';

export type FileRow = Selectable<FilesTable>;

export const filesRepository = {
  /** Idempotent: a task's output of one kind has a fixed id, so a re-run inserts nothing. */
  insert: async (q: Q, row: Insertable<FilesTable>) => {
    await q.insertInto('blobs').values({ sha256: row.sha256, bytes: row.bytes, content_type: row.content_type, created_at: row.created_at })
      .onConflict((oc) => oc.doNothing()).execute();
    await q.insertInto('files').values(row).onConflict((oc) => oc.doNothing()).execute();
  },
  /** Several records in two statements (a task's video, poster and spritesheet), each blob once. */
  insertMany: async (q: Q, rows: Insertable<FilesTable>[]) => {
    if (!rows.length) return;
    const blobs = new Map(rows.map((r) => [r.sha256, { sha256: r.sha256, bytes: r.bytes, content_type: r.content_type, created_at: r.created_at }]));
    await q.insertInto('blobs').values([...blobs.values()]).onConflict((oc) => oc.doNothing()).execute();
    await q.insertInto('files').values(rows).onConflict((oc) => oc.doNothing()).execute();
  },
  get: (q: Q, keyId: string, id: string) => q.selectFrom('files').selectAll().where('id', '=', id).where('key_id', '=', keyId).executeTakeFirst(),
  byId: (q: Q, id: string) => q.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst(),
  forTask: (q: Q, taskId: string) => q.selectFrom('files').selectAll().where('task_id', '=', taskId).execute(),
  forKey: (q: Q, keyId: string, limit: number) =>
    q.selectFrom('files').selectAll().where('key_id', '=', keyId).orderBy('created_at', 'desc').limit(limit).execute(),
  removeForTask: (q: Q, taskId: string) => q.deleteFrom('files').where('task_id', '=', taskId).returning(['sha256']).execute(),
  /** Blobs no file record points at any more (after deletes). */
  orphanBlobs: (q: Q, shas: string[]) =>
    shas.length === 0 ? Promise.resolve([]) :
      q.selectFrom('blobs').select('sha256').where('sha256', 'in', shas)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('files').select('files.id').whereRef('files.sha256', '=', 'blobs.sha256')))).execute(),
  removeBlob: (q: Q, sha: string) => q.deleteFrom('blobs').where('sha256', '=', sha).execute(),
};
