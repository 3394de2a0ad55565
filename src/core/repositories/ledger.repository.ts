/**
 * The credits ledger: grant, reserve, capture and release entries. A unique index on (task_id, kind) makes each
 * task's reserve, capture and release happen at most once; `record` says whether the entry is new.
 */
import type { Q } from './executor.js';

export type LedgerKind = 'grant' | 'reserve' | 'capture' | 'release';

export const ledgerRepository = {
  async record(q: Q, entry: { key_id: string; task_id: string | null; kind: LedgerKind; amount: number; created_at: number }): Promise<boolean> {
    const r = await q.insertInto('ledger').values(entry).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  },
  forTask: (q: Q, taskId: string) => q.selectFrom('ledger').selectAll().where('task_id', '=', taskId).orderBy('id').execute(),
  forKey: (q: Q, keyId: string, limit: number) =>
    q.selectFrom('ledger').selectAll().where('key_id', '=', keyId).orderBy('id', 'desc').limit(limit).execute(),
  /** Credits held by reserves that were neither captured nor released. */
  async reserved(q: Q, keyId: string): Promise<number> {
    const row = await q.selectFrom('ledger as r')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('r.amount'), eb.lit(0)).as('held'))
      .where('r.key_id', '=', keyId).where('r.kind', '=', 'reserve')
      .where((eb) => eb.not(eb.exists(
        eb.selectFrom('ledger as s').select('s.id').whereRef('s.task_id', '=', 'r.task_id').where('s.kind', 'in', ['capture', 'release']),
      )))
      .executeTakeFirst();
    return -Number(row?.held ?? 0);
  },
};
