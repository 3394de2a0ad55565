/** Local accounts and their browser sessions. */
import type { Insertable, Selectable } from 'kysely';
import type { SessionsTable, UsersTable } from '../../core/db/schema.js';
import type { Q } from '../../core/repositories/executor.js';

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;

export const usersRepository = {
  insert: (q: Q, row: Insertable<UsersTable>) => q.insertInto('users').values(row).execute(),
  byId: (q: Q, id: string) => q.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
  byUsername: (q: Q, username: string) => q.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst(),
  count: async (q: Q) => Number((await q.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  namesOf: (q: Q, ids: string[]) => ids.length ? q.selectFrom('users').select(['id', 'username']).where('id', 'in', ids).execute() : Promise.resolve([]),

  insertSession: (q: Q, row: Insertable<SessionsTable>) => q.insertInto('sessions').values(row).execute(),
  session: (q: Q, sha: string, now: number) =>
    q.selectFrom('sessions').selectAll().where('token_sha256', '=', sha).where('expires_at', '>', now).executeTakeFirst(),
  removeSession: (q: Q, sha: string) => q.deleteFrom('sessions').where('token_sha256', '=', sha).execute(),
  removeExpiredSessions: (q: Q, now: number) => q.deleteFrom('sessions').where('expires_at', '<=', now).execute(),
};
