/**
 * Every status change of a task, each one transaction with its consequences: the credits ledger (reserve on
 * submit, capture on success, release on failure — once, guarded by the status transition and a unique index), the
 * key's concurrency slot, the queue row and the webhook outbox. Workers and the task service both go through here.
 */
import type { Config } from '../../config.js';
import type { ProviderResult } from '../providers/provider.js';
import type { Db } from '../db/database.js';
import type { TaskStatus } from '../db/schema.js';
import type { Q } from '../repositories/executor.js';
import { filesRepository } from '../repositories/files.repository.js';
import { keysRepository } from '../repositories/keys.repository.js';
import { ledgerRepository } from '../repositories/ledger.repository.js';
import { queueRepository } from '../repositories/queue.repository.js';
import { runTimesRepository } from '../repositories/run-times.repository.js';
import { tasksRepository, type TaskRow } from '../repositories/tasks.repository.js';
import type { BlobStore } from '../repositories/blob-storage.js';
import type { Metrics } from '../metrics.js';
import type { ProgressBus, ProgressSnapshot } from '../services/progress-bus.js';
import type { WebhooksService } from '../services/webhooks.service.js';
import { loadTaskInputs, type LoadedInputs } from './task-inputs.js';
import { parseParams } from './task-params.js';

export interface Claimed {
  task: TaskRow;
  owner: string;
  attempt: number;
}

export class TaskLifecycle {
  /** Tasks with status 'queued' (the global queue bound); counted at start, then kept in step with transitions. */
  queuedCount = 0;
  runningCount = 0;
  /** Moves counted in this process (refreshCounts drops a read that raced one). */
  private localMoves = 0;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly webhooks: WebhooksService,
    private readonly bus: ProgressBus,
    private readonly metrics: Metrics,
    private readonly config: Config,
  ) {}

  async init(): Promise<void> {
    await this.refreshCounts();
  }

  private syncGauges(): void {
    this.metrics.queued.set(this.queuedCount);
    this.metrics.running.set(this.runningCount);
  }

  private moved(from: TaskStatus, to: TaskStatus): void {
    this.localMoves++;
    if (from === 'queued') this.queuedCount--;
    if (from === 'running') this.runningCount--;
    if (to === 'queued') this.queuedCount++;
    if (to === 'running') this.runningCount++;
    this.syncGauges();
  }

  noteCreated(): void {
    this.localMoves++;
    this.queuedCount++;
    this.syncGauges();
  }

  /**
   * Takes the next task of a provider: leases its queue row and marks it running. A task that is already finished
   * (a re-delivery after a crash) only loses its queue row; one that used up its attempts fails and is refunded.
   */
  async claim(provider: string, owner: string): Promise<Claimed | undefined> {
    return this.claimWith(owner, (trx, now) => queueRepository.take(trx, provider, owner, now, this.config.queue.leaseMs), true);
  }

  /**
   * Takes one given task (BullMQ handed it to this worker): leases its queue row when free and marks it running;
   * undefined when it is finished, gone, or leased by a live worker (the reconciler hands it out again if that
   * worker dies).
   */
  async claimTask(taskId: string, owner: string): Promise<Claimed | undefined> {
    return this.claimWith(owner, (trx, now) => queueRepository.takeTask(trx, taskId, owner, now, this.config.queue.leaseMs), false);
  }

  /**
   * Re-reads the queued/running counts (scale-out: other processes move tasks too). A count read while this process
   * moved a task itself is dropped (it may predate that move); the next round reads again.
   */
  async refreshCounts(): Promise<void> {
    const before = this.localMoves;
    const queued = Number((await tasksRepository.countByStatus(this.db, 'queued')).n);
    const running = Number((await tasksRepository.countByStatus(this.db, 'running')).n);
    if (this.localMoves !== before) return;
    this.queuedCount = queued;
    this.runningCount = running;
    this.syncGauges();
  }


  private async claimWith(owner: string, take: (trx: Q, now: number) => Promise<{ task_id: string; attempts: number } | undefined>, again: boolean): Promise<Claimed | undefined> {
    for (;;) {
      const now = Date.now();
      const outcome = await this.db.transaction().execute(async (trx) => {
        const row = await take(trx, now);
        if (!row) return { kind: 'empty' as const };
        const task = await tasksRepository.byId(trx, row.task_id);
        if (!task || task.status === 'succeeded' || task.status === 'failed' || task.status === 'cancelled') {
          await queueRepository.remove(trx, row.task_id);
          return { kind: 'skip' as const };
        }
        if (task.cancel_requested) {
          const done = await this.finishIn(trx, task, 'cancelled', 'cancelled', 'the task was cancelled');
          return { kind: 'finished' as const, task: done };
        }
        if (row.attempts > this.config.queue.maxAttempts) {
          const done = await this.finishIn(trx, task, 'failed', 'attempts_exhausted', `the task was started ${row.attempts - 1} times and never finished (its worker stopped each time)`);
          return { kind: 'finished' as const, task: done };
        }
        const running = await tasksRepository.transition(trx, task.id, ['queued', 'running'], {
          status: 'running', attempts: row.attempts, started_at: task.started_at ?? now, updated_at: now,
        });
        if (task.status === 'queued' && running) await this.webhooks.enqueueForTask(trx, running, []);
        return { kind: 'claimed' as const, task: running!, from: task.status, attempt: row.attempts };
      });
      if (outcome.kind === 'empty') return undefined;
      if (outcome.kind === 'skip') {
        if (again) continue;
        return undefined;
      }
      if (outcome.kind === 'finished') {
        this.afterFinish(outcome.task);
        if (again) continue;
        return undefined;
      }
      if (outcome.from === 'queued') this.moved('queued', 'running');
      this.webhooks.wake();
      this.bus.publish(snapshotOf(outcome.task, null));
      return { task: outcome.task, owner, attempt: outcome.attempt };
    }
  }

  /** The task's input files (pictures, the clip to extend) from storage; TaskInputMissing when one is gone. */
  inputsOf(task: TaskRow): Promise<LoadedInputs> {
    return loadTaskInputs(this.blobs, parseParams(task.params).inputs);
  }

  /** Renews a lease; false when the lease is no longer ours. `cancel` tells the worker to stop. */
  async renew(taskId: string, owner: string): Promise<{ ours: boolean; cancel: boolean }> {
    const ours = await queueRepository.renew(this.db, taskId, owner, Date.now() + this.config.queue.leaseMs);
    const task = await tasksRepository.byId(this.db, taskId);
    return { ours, cancel: !task || task.cancel_requested === 1 || task.status !== 'running' };
  }

  /** Stores a progress snapshot (the caller throttles) and publishes it with its preview. */
  async progress(taskId: string, progress: number, snap: { step: number; of: number; phase: string; elapsed_ms: number }, preview: string | null): Promise<void> {
    const now = Date.now();
    const row = await tasksRepository.transition(this.db, taskId, ['running'], { progress, snapshot: JSON.stringify(snap), updated_at: now });
    if (row) this.bus.publish(snapshotOf(row, preview));
  }

  /**
   * Stores the outputs and marks the task succeeded (capturing its credits); a no-op when it already finished.
   * `runMs`, the provider's time on it, joins the provider's run times (what Retry-After is computed from).
   */
  async succeed(claimed: Claimed, result: ProviderResult, runMs?: number): Promise<TaskRow | undefined> {
    const { task } = claimed;
    const now = Date.now();
    const hex = task.id.replace(/^video_/, '');
    const outputs = [
      { kind: 'video', data: result.video, content_type: 'video/mp4' },
      { kind: 'poster', data: result.poster, content_type: 'image/png' },
      { kind: 'spritesheet', data: result.spritesheet, content_type: 'image/png' },
    ];
    // A provider may hand the same buffer twice (a remote clip's poster is its spritesheet): stored once.
    const puts = new Map<Uint8Array, Promise<string>>();
    const put = (data: Uint8Array) => puts.get(data) ?? puts.set(data, this.blobs.put(data)).get(data)!;
    const stored = await Promise.all(outputs.map(async (o) => ({ ...o, sha256: await put(o.data) })));
    const done = await this.db.transaction().execute(async (trx) => {
      await filesRepository.insertMany(trx, stored.map((o) => ({
        id: `file_${hex}_${o.kind}`, key_id: task.key_id, task_id: task.id, kind: o.kind, sha256: o.sha256,
        content_type: o.content_type, bytes: o.data.byteLength, created_at: now,
      })));
      const row = await tasksRepository.transition(trx, task.id, ['running'], {
        status: 'succeeded', progress: 100, completed_at: now, updated_at: now, meta: JSON.stringify(result.meta),
        snapshot: JSON.stringify({ step: 1, of: 1, phase: 'done', elapsed_ms: now - (task.started_at ?? now) }),
      });
      if (!row) {
        await queueRepository.remove(trx, task.id);
        return undefined;
      }
      await ledgerRepository.record(trx, { key_id: task.key_id, task_id: task.id, kind: 'capture', amount: 0, created_at: now });
      if (runMs !== undefined) await runTimesRepository.record(trx, task.provider, runMs, now);
      await keysRepository.freeSlot(trx, task.key_id, 0);
      await queueRepository.remove(trx, task.id);
      await this.webhooks.enqueueForTask(trx, row, await filesRepository.forTask(trx, task.id));
      return row;
    });
    if (done) {
      this.moved('running', 'succeeded');
      this.afterFinish(done);
    }
    return done;
  }

  /** Fails or cancels a task (releasing its credits once); a no-op when it already finished. */
  async finish(taskId: string, status: 'failed' | 'cancelled', code: string, message: string): Promise<TaskRow | undefined> {
    const result = await this.db.transaction().execute(async (trx) => {
      const task = await tasksRepository.byId(trx, taskId);
      if (!task) return undefined;
      const from = task.status;
      const row = await this.finishIn(trx, task, status, code, message);
      return row && { row, from };
    });
    if (!result) return undefined;
    this.afterFinish(result.row);
    return result.row;
  }

  /** Puts a task back in the queue for another attempt later (a retryable failure), freeing the lease. */
  async retryLater(claimed: Claimed, delayMs: number, reason: string): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await tasksRepository.update(trx, claimed.task.id, { error_message: reason, updated_at: now });
      await trx.updateTable('queue').set({ lease_owner: null, lease_expires_at: null, available_at: now + delayMs })
        .where('task_id', '=', claimed.task.id).where('lease_owner', '=', claimed.owner).execute();
    });
  }

  /** Gives a lease back at shutdown so that the next process (or worker) runs the task at once. */
  async giveBack(claimed: Claimed): Promise<void> {
    await queueRepository.giveBack(this.db, claimed.task.id, claimed.owner);
  }

  /** The terminal transition inside a transaction: status, ledger release + slot, queue row, outbox. */
  async finishIn(trx: Q, task: TaskRow, status: 'failed' | 'cancelled', code: string, message: string): Promise<TaskRow | undefined> {
    const now = Date.now();
    const row = await tasksRepository.transition(trx, task.id, ['queued', 'running'], {
      status, error_code: code, error_message: message, completed_at: now, updated_at: now,
    });
    await queueRepository.remove(trx, task.id);
    if (!row) return undefined;
    const released = await ledgerRepository.record(trx, { key_id: task.key_id, task_id: task.id, kind: 'release', amount: task.price, created_at: now });
    await keysRepository.freeSlot(trx, task.key_id, released ? task.price : 0);
    await this.webhooks.enqueueForTask(trx, row, []);
    this.moved(task.status, status);
    return row;
  }

  private afterFinish(task: TaskRow | undefined): void {
    if (!task) return;
    this.metrics.tasksFinished.inc({ provider: task.provider, status: task.status });
    this.webhooks.wake();
    this.bus.publish(snapshotOf(task, null));
  }
}

export function snapshotOf(task: TaskRow, preview: string | null): ProgressSnapshot {
  const s = task.snapshot ? (JSON.parse(task.snapshot) as { step: number; of: number; phase: string; elapsed_ms: number }) : null;
  return {
    id: task.id, status: task.status, progress: task.progress,
    step: s?.step ?? null, of: s?.of ?? null, phase: s?.phase ?? null, elapsed_ms: s?.elapsed_ms ?? null,
    preview, updated_at: task.updated_at,
  };
}
