/**
 * Fixed-window counters of sign-in attempts, in memory: per client address (every sign-in and sign-up costs a
 * bcrypt run) and per account (wrong passwords only). Over the limit → 429 with Retry-After, before any hashing.
 * A server restart forgets them, which is fine for a limit whose job is to keep the hasher's queue short and
 * password guessing slow.
 */
export class AttemptLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly max: number, private readonly windowMs: number, private readonly maxKeys = 100_000) {}

  /** Seconds until `key` may try again, or undefined when it may now. */
  waitS(key: string, now = Date.now()): number | undefined {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs || w.count < this.max) return undefined;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  /** Counts one attempt of `key`. */
  hit(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (w && now - w.start < this.windowMs) {
      w.count++;
      return;
    }
    // bounded: the oldest windows go first (Map keeps insertion order)
    if (!w && this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, { start: now, count: 1 });
  }

  reset(key: string): void {
    this.windows.delete(key);
  }
}
