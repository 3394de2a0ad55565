/**
 * A read cache for the hottest query (a status poll), safe because it is invalidated by every write: in embedded
 * mode this process is the only writer of the tables it caches (the server owns its SQLite database; `kineo keys`
 * touches keys only), and a Kysely plugin counts every statement that is not a SELECT. A cached row is served
 * only while that count is what it was when the row was read, so any write anywhere — a progress snapshot, a
 * status change, a delete — makes the next poll read the database again. Reads inside a transaction bypass it.
 * PostgreSQL (scale-out: many writers in other processes) gets no cache.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

export class WriteCounter implements KyselyPlugin {
  writes = 0;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind !== 'SelectQueryNode') this.writes++;
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** Rows by key, each valid while the write count is unchanged; bounded (oldest out first). */
export class RowCache<T> {
  private readonly rows = new Map<string, { row: T; writes: number }>();
  constructor(private readonly counter: WriteCounter, private readonly max = 10_000) {}

  get(key: string): T | undefined {
    const hit = this.rows.get(key);
    if (!hit) return undefined;
    if (hit.writes !== this.counter.writes) {
      this.rows.delete(key);
      return undefined;
    }
    return hit.row;
  }

  /** Stores a row read while the write count was `writes` (taken before the read started). */
  set(key: string, row: T, writes: number): void {
    if (writes !== this.counter.writes) return;
    if (this.rows.size >= this.max) this.rows.delete(this.rows.keys().next().value!);
    this.rows.set(key, { row, writes });
  }

  get writes(): number {
    return this.counter.writes;
  }
}
