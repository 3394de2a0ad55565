/**
 * Group commit: writes that arrive together run in one SQLite transaction (up to `max` per batch), and each caller
 * is answered only after that transaction commits — durable as before, but one commit per batch instead of one per
 * request, which is most of a create's cost on a small machine. A unit that throws before writing (no slot, no
 * credits) leaves the others untouched; a unit that may fail after writing asks for its own savepoint.
 */
import { sql } from 'kysely';
import type { Db } from '../../core/db/database.js';
import type { Q } from '../../core/repositories/executor.js';

interface Unit {
  fn: (trx: Q) => Promise<unknown>;
  savepoint: boolean;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

export class CommitBatcher {
  private pending: Unit[] = [];
  private flushing = false;

  constructor(private readonly db: Db, private readonly max = 64) {}

  run<T>(fn: (trx: Q) => Promise<T>, options: { savepoint?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, savepoint: options.savepoint ?? false, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.max);
      const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
      try {
        await this.db.transaction().execute(async (trx) => {
          for (const unit of batch) {
            if (unit.savepoint) await sql`savepoint unit`.execute(trx);
            try {
              outcomes.push({ ok: true, value: await unit.fn(trx) });
              if (unit.savepoint) await sql`release unit`.execute(trx);
            } catch (error) {
              if (unit.savepoint) {
                await sql`rollback to unit`.execute(trx);
                await sql`release unit`.execute(trx);
              }
              outcomes.push({ ok: false, error });
            }
          }
        });
      } catch (error) {
        for (const unit of batch) unit.reject(error);
        continue;
      }
      batch.forEach((unit, i) => {
        const o = outcomes[i]!;
        if (o.ok) unit.resolve(o.value);
        else unit.reject(o.error);
      });
    }
    this.flushing = false;
  }
}
