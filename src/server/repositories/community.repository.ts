/** The community: publications with their counters, likes (one per user), reports, remix children. */
import { sql } from 'kysely';
import type { Q } from '../../core/repositories/executor.js';

export type FeedSort = 'newest' | 'popular';

export const communityRepository = {
  publication: (q: Q, taskId: string) => q.selectFrom('publications').selectAll().where('task_id', '=', taskId).executeTakeFirst(),
  publish: (q: Q, taskId: string, userId: string, at: number) =>
    q.insertInto('publications').values({ task_id: taskId, user_id: userId, published_at: at, hidden: 0, views: 0, likes: 0, reports: 0 })
      .onConflict((oc) => oc.column('task_id').doNothing()).execute(),
  unpublish: (q: Q, taskId: string) => q.deleteFrom('publications').where('task_id', '=', taskId).execute(),

  /** Visible publications, newest or most engaging first (likes count twice a view), keyset-paged by offset. */
  feed: (q: Q, sort: FeedSort, limit: number, offset: number) => {
    let query = q.selectFrom('publications').selectAll().where('hidden', '=', 0);
    query = sort === 'newest'
      ? query.orderBy('published_at', 'desc')
      : query.orderBy(sql`likes * 2 + views`, 'desc').orderBy('published_at', 'desc');
    return query.orderBy('task_id', 'desc').limit(limit).offset(offset).execute();
  },
  byUser: (q: Q, userId: string) => q.selectFrom('publications').selectAll().where('user_id', '=', userId).orderBy('published_at', 'desc').execute(),

  /** One like per user: true when this call added it (the counter moves only then). */
  like: async (q: Q, taskId: string, userId: string, at: number): Promise<boolean> => {
    const r = await q.insertInto('likes').values({ task_id: taskId, user_id: userId, created_at: at })
      .onConflict((oc) => oc.columns(['task_id', 'user_id']).doNothing()).executeTakeFirst();
    const added = Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    if (added) await q.updateTable('publications').set((eb) => ({ likes: eb('likes', '+', 1) })).where('task_id', '=', taskId).execute();
    return added;
  },
  unlike: async (q: Q, taskId: string, userId: string): Promise<boolean> => {
    const r = await q.deleteFrom('likes').where('task_id', '=', taskId).where('user_id', '=', userId).executeTakeFirst();
    const removed = Number(r.numDeletedRows) > 0;
    if (removed) await q.updateTable('publications').set((eb) => ({ likes: eb('likes', '-', 1) })).where('task_id', '=', taskId).execute();
    return removed;
  },
  likedBy: (q: Q, userId: string, taskIds: string[]) =>
    taskIds.length ? q.selectFrom('likes').select('task_id').where('user_id', '=', userId).where('task_id', 'in', taskIds).execute() : Promise.resolve([]),
  view: (q: Q, taskId: string) => q.updateTable('publications').set((eb) => ({ views: eb('views', '+', 1) })).where('task_id', '=', taskId).execute(),

  report: async (q: Q, taskId: string, userId: string, reason: string, at: number): Promise<boolean> => {
    const r = await q.insertInto('reports').values({ task_id: taskId, user_id: userId, reason, created_at: at })
      .onConflict((oc) => oc.columns(['task_id', 'user_id']).doNothing()).executeTakeFirst();
    const added = Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    if (added) await q.updateTable('publications').set((eb) => ({ reports: eb('reports', '+', 1) })).where('task_id', '=', taskId).execute();
    return added;
  },
  setHidden: (q: Q, taskId: string, hidden: boolean) => q.updateTable('publications').set({ hidden: hidden ? 1 : 0 }).where('task_id', '=', taskId).execute(),

  /** Published, visible remixes of a task. */
  children: (q: Q, taskId: string) =>
    q.selectFrom('tasks').innerJoin('publications', 'publications.task_id', 'tasks.id')
      .select(['tasks.id', 'tasks.prompt']).where('tasks.remixed_from', '=', taskId).where('publications.hidden', '=', 0)
      .where('tasks.deleted_at', 'is', null).orderBy('publications.published_at', 'desc').execute(),
};
