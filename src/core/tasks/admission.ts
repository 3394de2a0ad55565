/**
 * What every way of submitting work shares before its transaction (tasks, ad batches, storyboards): the
 * Idempotency-Key's shape and the request's fingerprint, the one Retry-After formula, and telling a lost
 * idempotency race (a unique constraint) from a real failure.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { uniqueViolationTable } from '../db/unique-violation.js';
import { errors } from '../errors.js';
import type { Providers } from '../providers/catalog.js';
import type { Provider } from '../providers/provider.js';
import { runTimesRepository } from '../repositories/run-times.repository.js';

/** Checks an Idempotency-Key header's shape and returns the fingerprint of the request it guards. */
export function idempotencyFingerprint(idempotencyKey: string | undefined, request: unknown): string {
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
    throw errors.invalid('Idempotency-Key must be 1–255 visible ASCII characters', 'Idempotency-Key');
  }
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** True when a write failed because another request holding the same key in `table` committed first. */
export function lostRaceOn(err: unknown, table: string): boolean {
  return uniqueViolationTable(err) === table;
}

/** A key's slots are all taken: thrown inside a transaction, answered with Retry-After outside it. */
export class SlotsTaken extends Error {
  constructor(readonly active: number) {
    super(`the key has ${active} unfinished tasks`);
  }
}

/** Clamped to [1 s, 5 min]: a client retries neither in a busy loop nor never. */
export function retryAfterS(waiting: number, runS: number, slots: number): number {
  return Math.max(1, Math.min(300, Math.ceil(((waiting + 1) * runS) / Math.max(1, slots))));
}

/**
 * When to retry: the work ahead (`waiting` jobs) times the provider's run time measured in the database by whichever
 * process ran its jobs (its declared expectation until one has), over its slots. Scale-out counts one worker
 * process's concurrency, since the server cannot know how many run: an upper bound, which is the safe side.
 */
export class RetryAfter {
  private cache = new Map<string, number>();
  private readAt = 0;
  private reading: Promise<void> | undefined;

  constructor(private readonly db: Db, private readonly providers: Providers, private readonly scaleOut: boolean, private readonly ttlMs = 1000) {}

  /** The provider's run time in seconds: measured, or what it declares. */
  async runS(provider: Provider): Promise<number> {
    if (Date.now() - this.readAt > this.ttlMs) {
      this.reading ??= runTimesRepository.all(this.db).then((rows) => {
        this.cache = new Map(rows.map((r) => [r.provider, Number(r.avg_ms) / 1000]));
        this.readAt = Date.now();
      }).finally(() => (this.reading = undefined));
      await this.reading;
    }
    return this.cache.get(provider.name) ?? provider.expectedRunS;
  }

  async seconds(provider: Provider, waiting: number): Promise<number> {
    return retryAfterS(waiting, await this.runS(provider), this.slots(provider));
  }

  /** How long `waiting` queued jobs keep the provider's slots busy before one more starts (no clamp: 0 is 0). */
  async waitS(provider: Provider, waiting: number): Promise<number> {
    return (waiting * (await this.runS(provider))) / this.slots(provider);
  }

  private slots(provider: Provider): number {
    const settings = this.providers.settings(provider.name);
    return Math.max(1, this.scaleOut ? settings.concurrency : settings.workers);
  }
}
