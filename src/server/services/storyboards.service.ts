/**
 * Storyboards: a title, one subject and a list of shots → one film. Each shot is an ordinary child task of the
 * caller's key (same queue, workers, cancel and ledger as any task: reserved on submit, captured on success,
 * released on failure, once); the storyboard waits for them, then `assembleStoryboard` (src/worker) makes the film.
 *
 * Who notices that the shots are done: a sweep every queue.pollMs over the storyboards that are not finished (it
 * survives restarts and works when workers run elsewhere), woken at once when a shot of this process finishes. The
 * assembly holds a lease on the storyboard row (like the queue's), so two processes never assemble one film and a
 * crashed assembly is taken again when its lease expires; a failed attempt is retried with backoff up to
 * queue.maxAttempts times.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../../core/db/database.js';
import type { StoryboardStatus } from '../../core/db/schema.js';
import { ApiError, errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Metrics } from '../../core/metrics.js';
import { keysRepository } from '../../core/repositories/keys.repository.js';
import { idempotencyFingerprint, lostRaceOn, SlotsTaken, type RetryAfter } from '../../core/tasks/admission.js';
import { enqueueTasks, newTaskRow } from '../../core/tasks/task-row.js';
import { STORYBOARD_TERMINAL, storyboardsRepository, type ShotState, type StoryboardRow } from '../../core/repositories/storyboards.repository.js';
import { isTerminal } from '../../core/repositories/tasks.repository.js';
import type { StoryboardCreate } from '../formats/storyboards.js';
import type { TaskParams } from '../../core/tasks/task-params.js';
import type { StoryboardEstimate, StoryboardFile, StoryboardView } from '../views/storyboards.js';
import { filmFileIds, runStoryboardAssembly } from '../../core/assembly/storyboard-assembly.js';
import { filmPlanOf, planStoryboard, shotLimits, type StoryboardSpec } from './storyboard-plan.js';
import type { FilesService } from '../../core/services/files.service.js';
import type { ProgressBus } from '../../core/services/progress-bus.js';
import type { PromptsService } from './prompts.service.js';
import type { Providers } from '../../core/providers/catalog.js';
import type { TaskLifecycle } from '../../core/tasks/task-lifecycle.js';
import { checkCapabilities, type TasksService } from './tasks.service.js';
import { Waker } from '../../core/services/wakeable-sleep.js';

export interface StoryboardsDeps {
  db: Db;
  config: Config;
  providers: Providers;
  lifecycle: TaskLifecycle;
  tasks: TasksService;
  files: FilesService;
  prompts: PromptsService;
  bus: ProgressBus;
  metrics: Metrics;
  log: FastifyBaseLogger;
  retryAfter: RetryAfter;
  wakeWorkers: (provider: string) => void;
  abortRunning: (taskId: string) => void;
  /** Scale-out: hands a storyboard whose shots are done to the 'encode' queue instead of assembling it here. */
  assemblyQueue?: (storyboardId: string) => void;
}

const WAITING: readonly StoryboardStatus[] = ['queued', 'running'];

export class StoryboardsService {
  readonly owner = `storyboards-${randomBytes(4).toString('hex')}`;
  private readonly waker = new Waker();
  private loop: Promise<void> | undefined;
  private active = false;
  /** Assemblies of this process: at most one runs at a time (ffmpeg and the frame math are CPU-bound). */
  private readonly pending = new Set<string>();
  private readonly running = new Map<string, AbortController>();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly d: StoryboardsDeps) {}

  private plan(body: StoryboardCreate) {
    const provider = this.d.providers.forModel(body.model, 'model');
    checkCapabilities(provider, { capability: 'text2video' }, { model: 'model', seconds: 'shots', image: 'image', lastFrame: 'image_tail' });
    const spec = planStoryboard(body, provider, {
      seed: body.seed ?? randomInt(0, 2 ** 31 - 1), defaultSize: this.d.config.output.size, maxPromptChars: this.d.config.security.maxPromptChars,
      unknownWords: (caption) => this.d.prompts.check(caption).unknown_words,
    });
    return { provider, spec };
  }

  /** The price, the film's length and each shot's caption and unknown words, without creating anything. */
  async estimate(keyId: string, body: StoryboardCreate): Promise<StoryboardEstimate> {
    const { provider, spec } = this.plan(body);
    const perClip = this.d.providers.priceOf(provider);
    const { balance } = await this.d.tasks.balance(keyId);
    const limits = shotLimits(provider);
    const price = perClip * spec.shots.length;
    return {
      price, price_per_clip: perClip, clips: spec.shots.length, balance, affordable: balance >= price,
      clip_seconds: limits.clipSeconds, min_shot_seconds: limits.min, max_shot_seconds: limits.max,
      film: filmPlanOf(spec), shots: spec.shots,
    };
  }

  async create(keyId: string, body: StoryboardCreate, idempotencyKey?: string): Promise<{ storyboard: StoryboardView; replayed: boolean }> {
    const requestSha = idempotencyFingerprint(idempotencyKey, body);
    if (idempotencyKey !== undefined) {
      const replay = await this.replay(keyId, idempotencyKey, requestSha);
      if (replay) return { storyboard: replay, replayed: true };
    }
    const { provider, spec } = this.plan(body);
    const clips = spec.shots.length;
    const perClip = this.d.providers.priceOf(provider);
    const { lifecycle, config } = this.d;
    const queued = lifecycle.queuedCount;
    if (queued + clips > config.queue.maxQueued) throw errors.queueFull(await this.d.retryAfter.seconds(provider, queued + clips));

    const now = Date.now();
    const id = newId('story');
    const params: TaskParams = { seed: spec.seed, output_size: spec.output_size, seconds: spec.clip_seconds, size: `${spec.width}x${spec.height}` };
    const tasks = spec.shots.map((shot) => newTaskRow({
      keyId, api: 'native', capability: 'text2video', provider, prompt: shot.caption, params, price: perClip,
    }, now));
    const row: StoryboardRow = {
      id, key_id: keyId, title: body.title.trim(), subject: body.subject.trim(), model: provider.model, spec: JSON.stringify(spec),
      status: 'queued', price: perClip * clips, error_code: null, error_message: null, meta: null,
      assembly_owner: null, assembly_expires_at: null, assembly_attempts: 0,
      idempotency_key: idempotencyKey ?? null, request_sha256: idempotencyKey !== undefined ? requestSha : null,
      created_at: now, updated_at: now, completed_at: null,
    };
    try {
      await this.d.db.transaction().execute(async (trx) => {
        // Per-key slots bound a key's unfinished tasks, and a 6-shot storyboard must not fail half-way with 429. So
        // a storyboard is admitted as ONE submission: it needs one free slot, like a single create, and then takes
        // a slot per shot at once (each child task frees its own slot when it finishes, which keeps the counter
        // exact). While its shots run the key may sit above its limit, and its other creates get 429 until they
        // finish. Credits for every clip are reserved in the same statement: all or nothing.
        const admitted = await storyboardsRepository.admit(trx, keyId, clips, perClip, config.queue.perKeyActive);
        if (!admitted) {
          const key = await keysRepository.byId(trx, keyId);
          if (!key) throw errors.authInvalid();
          if (key.balance < clips * perClip) {
            throw new ApiError(402, 'insufficient_credits',
              `this key has ${key.balance} credits and this storyboard costs ${clips * perClip} (${clips} clips at ${perClip}); add credits with "kineo keys credit" or use fewer shots`, 1102);
          }
          throw new SlotsTaken(key.active);
        }
        await storyboardsRepository.insert(trx, row);
        await enqueueTasks(trx, tasks, now);
        await storyboardsRepository.insertShots(trx, tasks.map((t, i) => ({ storyboard_id: id, idx: i, task_id: t.id, caption: spec.shots[i]!.caption })));
      });
    } catch (err) {
      if (err instanceof SlotsTaken) throw errors.keyBusy(err.active, await this.d.retryAfter.seconds(provider, err.active + clips - 1));
      // Two requests with one Idempotency-Key at once: the loser answers like a replay.
      if (idempotencyKey !== undefined && lostRaceOn(err, 'storyboards')) {
        const replay = await this.replay(keyId, idempotencyKey, requestSha);
        if (replay) return { storyboard: replay, replayed: true };
      }
      throw err;
    }
    for (const t of tasks) {
      lifecycle.noteCreated();
      this.d.metrics.tasksCreated.inc({ api: 'native', provider: provider.name });
      this.watch(t.id);
    }
    this.d.wakeWorkers(provider.name);
    return { storyboard: await this.view(row), replayed: false };
  }

  private async replay(keyId: string, idempotencyKey: string, requestSha: string): Promise<StoryboardView | undefined> {
    const hit = await storyboardsRepository.byIdempotencyKey(this.d.db, keyId, idempotencyKey);
    if (!hit) return undefined;
    if (hit.request_sha256 !== requestSha) {
      throw errors.conflict('idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new request');
    }
    return this.view(hit);
  }

  /** Wakes the sweep as soon as a shot of this process finishes. */
  private watch(taskId: string): void {
    const off = this.d.bus.subscribe(taskId, (s) => {
      if (!isTerminal(s.status as ShotState['status'])) return;
      off();
      this.waker.wake();
    });
  }

  private async own(keyId: string, id: string): Promise<StoryboardRow> {
    const row = await storyboardsRepository.get(this.d.db, keyId, id);
    if (!row) throw errors.notFound(`storyboard ${id}`);
    return row;
  }

  async get(keyId: string, id: string): Promise<StoryboardView> {
    return this.view(await this.own(keyId, id));
  }

  async list(keyId: string, opts: { limit: number; after?: string }): Promise<{ data: StoryboardView[]; has_more: boolean; last_id: string | null }> {
    let after: { created_at: number; id: string } | undefined;
    if (opts.after) {
      const cursor = await storyboardsRepository.get(this.d.db, keyId, opts.after);
      if (!cursor) throw errors.invalid(`after: no storyboard ${opts.after} of this key`, 'after');
      after = { created_at: cursor.created_at, id: cursor.id };
    }
    const rows = await storyboardsRepository.page(this.d.db, keyId, opts.limit + 1, after);
    const data = await Promise.all(rows.slice(0, opts.limit).map((r) => this.view(r)));
    return { data, has_more: rows.length > opts.limit, last_id: data.at(-1)?.id ?? null };
  }

  /**
   * Cancels a storyboard that has not finished: its unfinished shots are cancelled (their credits released; shots
   * already made stay paid for and stay on the Tasks page) and an assembly in progress stops.
   */
  async cancel(keyId: string, id: string): Promise<StoryboardView> {
    const row = await this.own(keyId, id);
    if (STORYBOARD_TERMINAL.includes(row.status)) return this.view(row);
    const now = Date.now();
    await storyboardsRepository.transition(this.d.db, id, ['queued', 'running', 'assembling'], {
      status: 'cancelled', error_code: 'cancelled', error_message: 'the storyboard was cancelled', completed_at: now, updated_at: now, assembly_owner: null,
    });
    this.running.get(id)?.abort();
    await this.cancelShots(row.key_id, await storyboardsRepository.shots(this.d.db, id));
    return this.get(keyId, id);
  }

  private async cancelShots(keyId: string, shots: ShotState[]): Promise<void> {
    for (const s of shots) {
      if (!isTerminal(s.status)) await this.d.tasks.cancel(keyId, s.task_id, this.d.abortRunning).catch(() => undefined);
    }
  }

  /** Moves a storyboard on from what its shots say: running, failed (a shot failed), or on to assembly. */
  async reconcile(id: string): Promise<void> {
    const row = await storyboardsRepository.byId(this.d.db, id);
    if (!row || STORYBOARD_TERMINAL.includes(row.status)) return;
    const shots = await storyboardsRepository.shots(this.d.db, id);
    const bad = shots.find((s) => s.status === 'failed' || s.status === 'cancelled' || s.deleted_at !== null);
    if (bad && row.status !== 'assembling') {
      const why = bad.deleted_at !== null ? 'was deleted' : bad.status === 'cancelled' ? 'was cancelled' : `failed (${bad.error_message ?? bad.error_code ?? 'no reason given'})`;
      const now = Date.now();
      const failed = await storyboardsRepository.transition(this.d.db, id, WAITING, {
        status: 'failed', error_code: 'shot_failed', error_message: `shot ${bad.idx + 1} ${why}; the film was not made`, completed_at: now, updated_at: now,
      });
      if (failed) await this.cancelShots(row.key_id, shots);
      return;
    }
    if (shots.length > 0 && shots.every((s) => s.status === 'succeeded')) {
      this.enqueueAssembly(id);
      return;
    }
    if (row.status === 'queued' && shots.some((s) => s.status !== 'queued')) {
      await storyboardsRepository.transition(this.d.db, id, ['queued'], { status: 'running', updated_at: Date.now() });
    }
  }

  private enqueueAssembly(id: string): void {
    if (this.d.assemblyQueue) {
      // Scale-out: a worker's 'encode' queue makes the film; this server only moves the state on.
      this.d.assemblyQueue(id);
      return;
    }
    if (this.pending.has(id) || !this.active) return;
    this.pending.add(id);
    this.chain = this.chain.then(() => this.runAssembly(id)).catch((err) => this.d.log.error({ err, storyboard: id }, 'storyboard assembly failed outside its handler'))
      .finally(() => this.pending.delete(id));
  }

  /** Takes the assembly lease and runs the handler (src/worker/storyboard.handler.ts), here in this process. */
  private async runAssembly(id: string): Promise<void> {
    if (!this.active) return;
    await runStoryboardAssembly(id, {
      db: this.d.db, config: this.d.config, log: this.d.log, files: this.d.files, owner: this.owner,
      running: this.running, stopping: () => !this.active,
    });
  }

  private async sweep(): Promise<void> {
    const due = await storyboardsRepository.due(this.d.db, Date.now(), 100);
    for (const { id } of due) {
      try {
        await this.reconcile(id);
      } catch (err) {
        this.d.log.error({ err, storyboard: id }, 'storyboard sweep failed');
      }
    }
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.loop = (async () => {
      while (this.active) {
        await this.sweep().catch((err) => this.d.log.error({ err }, 'storyboard sweep failed'));
        await this.waker.sleep(this.d.config.queue.pollMs);
      }
    })();
  }

  /** Stops the sweep; an assembly in progress gets `graceMs` to finish, then stops and hands its lease back. */
  async stop(graceMs: number): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.waker.wake();
    await this.loop;
    const timer = setTimeout(() => {
      for (const c of this.running.values()) c.abort();
    }, graceMs);
    await this.chain;
    clearTimeout(timer);
  }

  private fileView(files: Awaited<ReturnType<FilesService['forTask']>>, id: string): StoryboardFile | null {
    const f = files.find((x) => x.id === id);
    return f ? { id: f.id, kind: f.kind, content_type: f.content_type, bytes: f.bytes, url: this.d.files.signedUrl(f).url } : null;
  }

  async view(row: StoryboardRow): Promise<StoryboardView> {
    const spec = JSON.parse(row.spec) as StoryboardSpec;
    const shots = await storyboardsRepository.shots(this.d.db, row.id);
    const files = row.status === 'succeeded' ? await this.d.files.forTask(row.id) : [];
    const ids = filmFileIds(row.id);
    const shotProgress = shots.length ? shots.reduce((sum, s) => sum + (s.status === 'succeeded' ? 100 : s.progress), 0) / shots.length : 0;
    const progress = row.status === 'succeeded' ? 100 : row.status === 'assembling' ? 95 : Math.round(0.9 * shotProgress);
    // The stored status moves on at the next sweep; a shot that started already makes the storyboard 'running'.
    const status: StoryboardStatus = row.status === 'queued' && shots.some((s) => s.status !== 'queued') ? 'running' : row.status;
    const meta = row.meta ? (JSON.parse(row.meta) as { timings_ms?: Record<string, number> }) : null;
    return {
      id: row.id, object: 'storyboard', title: row.title, subject: row.subject, model: row.model, seed: spec.seed,
      status, progress, price: row.price, clips: spec.shots.length, film: filmPlanOf(spec),
      shots: spec.shots.map((plan, i) => {
        const s = shots[i];
        return {
          ...plan, task_id: s?.task_id ?? '', status: s?.status ?? 'failed', progress: s?.status === 'succeeded' ? 100 : s?.progress ?? 0,
          error: s?.error_code ? { code: s.error_code, message: s.error_message ?? '' } : null,
        };
      }),
      error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
      video: this.fileView(files, ids.video), poster: this.fileView(files, ids.poster),
      meta: meta ? { timings_ms: meta.timings_ms } : null,
      created_at: row.created_at, updated_at: row.updated_at, completed_at: row.completed_at,
    };
  }
}
