/**
 * The arena: blind pairs of contestants (provider/model/settings combinations from config.arena) on one caption
 * drawn from the world's caption grammar, random left/right, one vote per pair by the user it was served to, names
 * revealed after the vote, and a Bradley–Terry leaderboard with bootstrap intervals (src/server/arena).
 *
 * The pair's tasks run under the arena's own key (created on first use), not the user's: they cost the user
 * nothing, and they do not show on the user's Tasks page or through /api/videos, which would give the names away.
 */
import { randomInt } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../core/db/database.js';
import { ApiError, errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { arenaRepository, type ArenaPairRow } from '../repositories/arena.repository.js';
import { tasksRepository, type TaskRow } from '../../core/repositories/tasks.repository.js';
import { bootstrapRatings, type Battle, type Rating } from '../arena/bradley-terry.js';
import { createRng } from '../../world/random.js';
import { sampleLabels } from '../../world/splits.js';
import { captionFor } from '../../world/captions.js';
import type { FilesService } from '../../core/services/files.service.js';
import type { KeysService } from './keys.service.js';
import type { Providers } from '../../core/providers/catalog.js';
import type { ArenaContestant } from '../../core/providers/provider.js';
import type { TasksService } from './tasks.service.js';
import type { ArenaPair, ArenaSide, Vote } from '../views/studio.js';

export type Contestant = ArenaContestant;

const ARENA_KEY = 'key';
const TOP_UP = 1_000_000;

export class ArenaService {
  private keyId: Promise<string> | undefined;
  private cache: { votes: number; board: Rating[] } | undefined;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly providers: Providers,
    private readonly tasks: TasksService,
    private readonly files: FilesService,
    private readonly keys: KeysService,
  ) {}

  /** The contestants this server can run (a contestant whose model is not served here is left out). */
  contestants(): Contestant[] {
    const models = new Set(this.providers.all().map((p) => p.model));
    return this.configured().filter((c) => models.has(c.model ?? this.providers.defaultModel));
  }

  /** Config's contestants, or what the providers bring. */
  private configured(): Contestant[] {
    return this.config.arena.contestants ?? this.providers.contestants();
  }

  private nameOf(id: string): string {
    return this.configured().find((c) => c.id === id)?.name ?? id;
  }

  /**
   * The server's own key for work it starts itself (arena pairs, effect previews): made once, kept in the arena's
   * state table, topped up when low.
   */
  async systemKey(): Promise<string> {
    const keyId = await this.arenaKey();
    const { balance } = await this.tasks.balance(keyId);
    if (balance < 1000) await this.keys.grant(keyId, TOP_UP);
    return keyId;
  }

  private arenaKey(): Promise<string> {
    this.keyId ??= (async () => {
      const known = await arenaRepository.setting(this.db, ARENA_KEY);
      if (known) return known;
      const key = await this.keys.create('arena', TOP_UP);
      await arenaRepository.setSetting(this.db, ARENA_KEY, key.access_key);
      return key.access_key;
    })();
    return this.keyId;
  }

  /** A caption from the world's grammar (the train split: what the models were taught to draw). */
  private caption(): string {
    const rng = createRng(randomInt(0, 2 ** 31 - 1));
    return captionFor(sampleLabels(rng, 'train'), rng);
  }

  async newPair(userId: string): Promise<ArenaPair> {
    const pool = this.contestants();
    if (pool.length < 2) throw new ApiError(503, 'arena_unavailable', `the arena needs two contestants this server can run; it has ${pool.length} (see config.arena.contestants)`, 5001);
    const i = randomInt(0, pool.length);
    let j = randomInt(0, pool.length - 1);
    if (j >= i) j += 1;
    const [left, right] = [pool[i]!, pool[j]!]; // a random ordered pair: which side is which is random too
    const caption = this.caption();
    const seed = randomInt(0, 2 ** 31 - 1);
    const keyId = await this.systemKey();
    const make = async (c: Contestant) => (await this.tasks.create(keyId, {
      api: 'native', capability: 'text2video', model: c.model, prompt: caption,
      settings: { seed, ...(c.steps !== undefined ? { steps: c.steps } : {}) },
    }, { fingerprint: null })).task;
    const leftTask = await make(left);
    const rightTask = await make(right);
    const row: ArenaPairRow = {
      id: newId('pair'), user_id: userId, caption, left_contestant: left.id, right_contestant: right.id,
      left_task_id: leftTask.id, right_task_id: rightTask.id, vote: null, created_at: Date.now(), voted_at: null,
    };
    await arenaRepository.insert(this.db, row);
    return this.view(row);
  }

  /** A pair of this user's: 404 when there is none, and when it was served to someone else (a 403 would tell that it exists). */
  private async own(userId: string, id: string): Promise<ArenaPairRow> {
    const row = await arenaRepository.byId(this.db, id);
    if (!row || row.user_id !== userId) throw errors.notFound(`arena pair ${id}`);
    return row;
  }

  async pair(userId: string, id: string): Promise<ArenaPair> {
    return this.view(await this.own(userId, id));
  }

  async vote(userId: string, id: string, vote: Vote): Promise<ArenaPair> {
    const row = await this.own(userId, id);
    if (row.vote !== null) throw errors.conflict('already_voted', `you voted "${row.vote}" on this pair already; one vote per pair`);
    const pair = await this.view(row);
    if (!pair.ready) {
      const failed = [pair.left, pair.right].some((s) => s.status === 'failed' || s.status === 'cancelled');
      throw failed
        ? errors.conflict('pair_failed', 'a video of this pair failed; ask for a new pair')
        : errors.conflict('pair_not_ready', 'both videos must finish before you vote; watch them first');
    }
    if (!(await arenaRepository.vote(this.db, id, userId, vote, Date.now()))) throw errors.conflict('already_voted', 'this pair has a vote already; one vote per pair');
    this.cache = undefined;
    return this.view({ ...row, vote });
  }

  /** Every contestant with its rating, 95 % interval, rank and number of battles ('both bad' counts as a tie). */
  async leaderboard(): Promise<{ data: (Rating & { id: string; name: string })[]; votes: number; bootstrap_rounds: number }> {
    const rows = await arenaRepository.voted(this.db);
    const ids = [...new Set([...this.contestants().map((c) => c.id), ...rows.flatMap((r) => [r.left_contestant, r.right_contestant])])];
    if (this.cache?.votes !== rows.length || this.cache.board.length !== ids.length) {
      const battles: Battle[] = rows.map((r) => ({ a: r.left_contestant, b: r.right_contestant, outcome: r.vote === 'left' ? 'a' : r.vote === 'right' ? 'b' : 'tie' }));
      this.cache = { votes: rows.length, board: bootstrapRatings(ids, battles, { rounds: this.config.arena.bootstrapRounds, seed: 1 }) };
    }
    return {
      data: this.cache.board.map((r) => ({ ...r, id: r.model, name: this.nameOf(r.model) })),
      votes: rows.length,
      bootstrap_rounds: this.config.arena.bootstrapRounds,
    };
  }

  private async side(taskId: string, contestant: string, reveal: boolean): Promise<ArenaSide> {
    const t = await tasksRepository.byId(this.db, taskId);
    const files = t?.status === 'succeeded' ? await this.files.forTask(taskId) : [];
    const url = (kind: string) => {
      const f = files.find((x) => x.kind === kind);
      return f ? this.files.signedUrl(f).url : null;
    };
    return {
      task_id: taskId, status: t?.status ?? 'failed', progress: t?.progress ?? 0,
      video_url: url('video'), poster_url: url('poster'), contestant: reveal ? this.nameOf(contestant) : null,
    };
  }

  private async view(row: ArenaPairRow): Promise<ArenaPair> {
    const reveal = row.vote !== null;
    const left = await this.side(row.left_task_id, row.left_contestant, reveal);
    const right = await this.side(row.right_task_id, row.right_contestant, reveal);
    return {
      id: row.id, caption: row.caption, left, right, ready: left.status === 'succeeded' && right.status === 'succeeded',
      vote: row.vote as Vote | null, created_at: row.created_at,
    };
  }
}
