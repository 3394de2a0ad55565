import { sql } from 'kysely';
import type { Q } from './executor.js';

export const runTimesRepository = {
  /** Folds one run into the provider's moving average (weight 1/5 for the newest), in the caller's transaction. */
  record: (q: Q, provider: string, ms: number, now: number) =>
    q.insertInto('provider_run_times').values({ provider, avg_ms: Math.round(ms), samples: 1, updated_at: now })
      .onConflict((oc) => oc.column('provider').doUpdateSet({
        avg_ms: sql`(provider_run_times.avg_ms * 4 + excluded.avg_ms) / 5`,
        samples: sql`provider_run_times.samples + 1`,
        updated_at: now,
      }))
      .execute(),

  all: (q: Q) => q.selectFrom('provider_run_times').select(['provider', 'avg_ms']).execute(),
};
