/**
 * Drives ad batches after they are created: a loop looks at every unfinished batch (the database is the truth, so
 * this survives restarts and would work beside workers in other processes) and
 *   - settles variants whose child task finished, and marks the batch running once work has started;
 *   - retries a variant whose child failed for a retryable reason (its worker crashed until the task's attempts ran
 *     out, a transient provider error) with a new child task, up to the batch's max_retries; a bad prompt, a cancel
 *     or a lack of credits is not retried;
 *   - when no variant is unfinished, moves the batch to 'assembling' and runs assembleBatch (or fails it when
 *     nothing was delivered).
 * Every step is a guarded update (the variant still points at the task we looked at; the batch still has the status
 * we saw), so running it twice, or in two processes, does each thing once.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../core/db/database.js';
import { batchesRepository, type BatchRow, type VariantWithTask } from '../../core/repositories/batches.repository.js';
import type { Metrics } from '../../core/metrics.js';
import type { BlobStore } from '../../core/repositories/blob-storage.js';
import { assembleBatch, failAssembly } from '../../core/assembly/batch-assembly.js';
import { enqueueTasks } from '../../core/tasks/task-row.js';
import { insertVariantInputs, variantTaskRow } from './batch-variant.js';
import type { Aspect } from '../../core/providers/provider.js';
import type { StoredInput } from '../../core/tasks/task-inputs.js';
import type { TaskLifecycle } from '../../core/tasks/task-lifecycle.js';
import { Waker } from '../../core/services/wakeable-sleep.js';

/** Task error codes worth another attempt: the work itself may succeed next time. */
export const RETRYABLE_CODES = new Set(['attempts_exhausted', 'generation_failed', 'provider_failed', 'internal_error']);
const TERMINAL_TASK = new Set(['succeeded', 'failed', 'cancelled']);


class Rollback extends Error {}

export interface BatchRunnerOptions {
  /** How often unfinished batches are looked at (they are also looked at right after a create). */
  tickMs: number;
  /** ffmpeg processes at once during assembly. */
  assemblyConcurrency?: number;
  /** Scale-out: hands a batch to assemble to the 'batch' queue (a worker makes the zip) instead of this process. */
  assemblyQueue?: (batchId: string) => void;
}

/** Assembly runs (BullMQ attempts, or runs in this process) before a batch fails with assembly_failed. */
export const MAX_ASSEMBLY_RUNS = 3;

export class BatchRunner {
  private readonly waker = new Waker();
  private readonly assembling = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** Failed assembly runs per batch in this process: after MAX_ASSEMBLY_RUNS the batch fails. */
  private readonly assemblyFailures = new Map<string, number>();
  private loop: Promise<void> | undefined;
  private active = false;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly lifecycle: TaskLifecycle,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
    private readonly wakeWorkers: (provider: string) => void,
    private readonly options: BatchRunnerOptions,
  ) {}

  start(): void {
    this.active = true;
    this.loop = this.run();
  }

  wake(): void {
    this.waker.wake();
  }

  /** Stops the loop; an assembly in progress is stopped and runs again at the next start. */
  async stop(): Promise<void> {
    this.active = false;
    this.waker.wake();
    for (const a of this.assembling.values()) a.controller.abort();
    await this.loop;
    await Promise.all([...this.assembling.values()].map((a) => a.done));
  }

  abortAssembly(batchId: string): void {
    this.assembling.get(batchId)?.controller.abort();
  }

  private async run(): Promise<void> {
    while (this.active) {
      let busy = false;
      try {
        const ids = await batchesRepository.activeIds(this.db);
        busy = ids.length > 0;
        for (const { id } of ids) {
          if (!this.active) break;
          await this.reconcile(id).catch((err) => this.log.error({ err, batch: id }, 'driving a batch failed'));
        }
      } catch (err) {
        this.log.error({ err }, 'looking for batches failed');
      }
      await this.waker.sleep(busy ? this.options.tickMs : Math.max(this.options.tickMs, 2_000));
    }
  }

  /** One look at one batch: settle, retry, start assembling. */
  async reconcile(batchId: string): Promise<void> {
    const batch = await batchesRepository.byId(this.db, batchId);
    if (!batch) return;
    if (batch.status === 'assembling') return this.startAssembly(batch);
    if (batch.status !== 'queued' && batch.status !== 'running') return;
    const variants = await batchesRepository.variantsWithTasks(this.db, batchId);
    let unfinished = 0;
    let started = false;
    for (const v of variants) {
      if (v.status !== 'active') {
        started = true;
        continue;
      }
      const status = v.task_status;
      if (status === 'running') started = true;
      if (status !== null && !TERMINAL_TASK.has(status)) {
        unfinished++;
        continue;
      }
      started = true;
      if (status === 'succeeded') await batchesRepository.settleVariant(this.db, batchId, v.idx, v.task_id, { status: 'succeeded' });
      else if (status === 'failed' && RETRYABLE_CODES.has(v.task_error_code ?? '') && v.attempts <= batch.max_retries && !batch.cancel_requested) {
        if (await this.retry(batch, v)) unfinished++;
      } else {
        await batchesRepository.settleVariant(this.db, batchId, v.idx, v.task_id, {
          status: status === 'cancelled' ? 'cancelled' : 'failed',
          error_code: v.task_error_code ?? (status === null ? 'task_missing' : status),
          error_message: v.task_error_message ?? (status === null ? 'the child task no longer exists' : `the child task was ${status}`),
        });
      }
    }
    const now = Date.now();
    if (unfinished > 0) {
      if (batch.status === 'queued' && started) await batchesRepository.transition(this.db, batchId, ['queued'], { status: 'running', updated_at: now });
      return;
    }
    const settled = await batchesRepository.variants(this.db, batchId);
    if (settled.some((v) => v.status === 'active')) return; // another run is retrying one; look again next tick
    const delivered = settled.filter((v) => v.status === 'succeeded').length;
    if (delivered === 0) {
      const first = settled.find((v) => v.error_message);
      await batchesRepository.transition(this.db, batchId, ['queued', 'running'], {
        status: 'failed', updated_at: now, completed_at: now, error_code: 'nothing_delivered',
        error_message: `no variant was delivered${first ? ` (first error: ${first.error_message})` : ''}`,
      });
      return;
    }
    const row = await batchesRepository.transition(this.db, batchId, ['queued', 'running'], { status: 'assembling', updated_at: now });
    if (row) this.startAssembly(row);
  }

  /** A new child task for a variant whose last one failed for a retryable reason; false when none was made. */
  private async retry(batch: BatchRow, v: VariantWithTask): Promise<boolean> {
    const now = Date.now();
    const settings = JSON.parse(batch.settings) as { steps: number | null; output_size: number; seconds: string; image?: StoredInput; native_aspects?: Aspect[] };
    const aspect = v.aspect_ratio as Aspect;
    const child = variantTaskRow({
      keyId: batch.key_id, provider: { name: batch.provider, model: batch.model }, prompt: v.prompt, templateId: v.template, subject: batch.subject || undefined, seed: v.seed,
      steps: settings.steps ?? undefined, outputSize: settings.output_size, seconds: settings.seconds, price: batch.price_per_clip,
      aspect: settings.native_aspects?.includes(aspect) ? aspect : undefined, image: settings.image,
    }, now);
    let made: boolean;
    try {
      made = await this.db.transaction().execute(async (trx) => {
        const taken = await batchesRepository.admitRetry(trx, batch.key_id, batch.price_per_clip);
        if (!taken) {
          await batchesRepository.settleVariant(trx, batch.id, v.idx, v.task_id, {
            status: 'failed', error_code: 'insufficient_credits',
            error_message: `attempt ${v.attempts} failed (${v.task_error_message ?? v.task_error_code}) and the key has too few credits for another`,
          });
          return false;
        }
        await enqueueTasks(trx, [child], now);
        await insertVariantInputs(trx, [child], settings.image, now);
        if (!(await batchesRepository.repointVariant(trx, batch.id, v.idx, v.task_id, child.id, v.attempts + 1))) throw new Rollback();
        return true;
      });
    } catch (err) {
      if (err instanceof Rollback) return true; // another run retried it first
      throw err;
    }
    if (made) {
      this.log.info({ batch: batch.id, variant: v.idx, failed: v.task_id, retry: child.id, attempt: v.attempts + 1 }, 'retrying a batch variant');
      this.lifecycle.noteCreated();
      this.metrics.tasksCreated.inc({ api: 'native', provider: batch.provider });
      this.wakeWorkers(batch.provider);
    }
    return made;
  }

  private startAssembly(batch: BatchRow): void {
    if (this.options.assemblyQueue) {
      this.options.assemblyQueue(batch.id);
      return;
    }
    if (this.assembling.has(batch.id) || !this.active) return;
    const controller = new AbortController();
    const t0 = Date.now();
    const done = assembleBatch({ db: this.db, blobs: this.blobs, signal: controller.signal, concurrency: this.options.assemblyConcurrency }, batch.id)
      .then((row) => this.log.info({ batch: batch.id, status: row?.status, ms: Date.now() - t0 }, 'batch assembled'))
      .catch((err) => {
        if (controller.signal.aborted) return;
        const failures = (this.assemblyFailures.get(batch.id) ?? 0) + 1;
        this.assemblyFailures.set(batch.id, failures);
        this.log.error({ err, batch: batch.id, failures }, 'assembling a batch failed');
        if (failures < MAX_ASSEMBLY_RUNS) return;
        this.assemblyFailures.delete(batch.id);
        return failAssembly(this.db, batch.id, err);
      })
      .finally(() => this.assembling.delete(batch.id));
    this.assembling.set(batch.id, { controller, done });
  }
}
