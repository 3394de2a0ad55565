/** The arena: pairs served to users, their votes, and the arena's settings. */
import type { Selectable } from 'kysely';
import type { ArenaPairsTable } from '../../core/db/schema.js';
import type { Q } from '../../core/repositories/executor.js';

export type ArenaPairRow = Selectable<ArenaPairsTable>;

export const arenaRepository = {
  insert: (q: Q, row: ArenaPairRow) => q.insertInto('arena_pairs').values(row).execute(),
  byId: (q: Q, id: string) => q.selectFrom('arena_pairs').selectAll().where('id', '=', id).executeTakeFirst(),
  /** Records the vote once: true when this call did (a second vote on the pair changes nothing). */
  vote: async (q: Q, id: string, userId: string, vote: string, at: number): Promise<boolean> => {
    const r = await q.updateTable('arena_pairs').set({ vote, voted_at: at })
      .where('id', '=', id).where('user_id', '=', userId).where('vote', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  voted: (q: Q) => q.selectFrom('arena_pairs').select(['left_contestant', 'right_contestant', 'vote']).where('vote', 'is not', null).execute(),
  setting: async (q: Q, name: string) => (await q.selectFrom('arena_state').select('value').where('name', '=', name).executeTakeFirst())?.value,
  setSetting: (q: Q, name: string, value: string) =>
    q.insertInto('arena_state').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute(),
};
