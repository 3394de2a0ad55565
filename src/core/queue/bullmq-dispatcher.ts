/**
 * Hands tasks to `kineo worker` processes through BullMQ (scale-out). The database stays the truth: a task is
 * created with its queue row in one transaction, then added to BullMQ with jobId = task id. If that add is lost —
 * the server died between commit and add, Redis restarted and forgot its jobs, a worker died — the reconciler
 * finds the free, due queue rows and adds them again; BullMQ ignores an add whose jobId it still holds. Which
 * worker may run a task is decided by the queue row's lease (claimTask), so a job delivered twice runs once.
 */
import { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../db/database.js';
import { queueRepository } from '../repositories/queue.repository.js';
import { generateQueue, WEBHOOK_QUEUE } from './names.js';

export interface GenerateJobData {
  taskId: string;
}

export interface WebhookJobData {
  deliveryId: string;
}

/** Where the reconciler finds due webhook deliveries (the outbox in the database). */
export interface DueDeliveries {
  due(limit: number): Promise<{ id: string; attempts: number }[]>;
}

export class BullDispatcher {
  /** Every queue this process adds to, by name (generate-<provider>, webhook, batch, encode). */
  private readonly queues = new Map<string, Queue>();
  /** When this process last added each job id (re-adds of a still-due row are spaced by `readdMs`). */
  private readonly added = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private kicked = false;
  private again = false;
  private closed = false;
  /** Rows due longer than this without a worker are added again (they may have been lost). */
  private readonly readdMs: number;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly log: FastifyBaseLogger,
    private readonly onTick?: () => Promise<void>,
    private readonly deliveries?: DueDeliveries,
  ) {
    this.readdMs = Math.max(2_000, Math.min(10_000, config.queue.leaseMs));
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: { url: this.config.redis.url, maxRetriesPerRequest: null },
        prefix: this.config.redis.prefix,
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
      });
      q.on('error', (err) => this.log.warn({ err: err.message, queue: name }, 'BullMQ queue error (retrying)'));
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Adds a job to one of the other queues (batch, encode) unless one with this id is still there. Its state lives
   * in the database, which the caller looks at again later, so a lost add is made again then.
   */
  addJob(queueName: string, name: string, data: Record<string, unknown>, jobId: string, opts: { attempts?: number } = {}): void {
    this.queue(queueName).add(name, data, { jobId, attempts: opts.attempts ?? 1, backoff: { type: 'exponential', delay: 1000 } }).catch((err) => {
      this.log.warn({ err: (err as Error).message, queue: queueName, job: jobId }, 'could not add the job to BullMQ now; it is added again on the next look');
    });
  }

  /** Soon (coalescing a burst of creates into one query), adds the due rows not added yet. */
  kick(): void {
    if (this.kicked) return;
    this.kicked = true;
    setTimeout(() => {
      this.kicked = false;
      void this.tick();
    }, 5);
  }

  /** Starts the reconciler: every queue.pollMs, due rows nobody holds are added again. */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.config.queue.pollMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    if (this.ticking) {
      this.again = true; // a kick during a pass: one more pass right after it
      return;
    }
    this.ticking = true;
    try {
      do {
        this.again = false;
        await this.reconcile();
        await this.onTick?.();
      } while (this.again && !this.closed);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'queue reconciliation failed (retrying)');
    } finally {
      this.ticking = false;
    }
  }

  /** True when `jobId` was not added in the last `readdMs` (and marks it added now). */
  private due(jobId: string, now: number): boolean {
    if (now - (this.added.get(jobId) ?? 0) < this.readdMs) return false;
    this.added.set(jobId, now);
    return true;
  }

  /** Adds again the free queue rows (and due webhook deliveries) not added lately; returns how many it added. */
  async reconcile(now = Date.now()): Promise<number> {
    const jobs = new Map<string, { name: string; data: GenerateJobData | WebhookJobData; opts: { jobId: string } }[]>();
    const push = (queue: string, job: { name: string; data: GenerateJobData | WebhookJobData; opts: { jobId: string } }) =>
      jobs.set(queue, [...(jobs.get(queue) ?? []), job]);
    for (const r of await queueRepository.due(this.db, now, 1000)) {
      if (this.due(r.task_id, now)) push(generateQueue(r.provider), { name: 'generate', data: { taskId: r.task_id }, opts: { jobId: r.task_id } });
    }
    // Webhooks: one job per attempt (jobId delivery.attempt), so a retry is a new job once the last attempt is recorded.
    for (const d of (await this.deliveries?.due(500)) ?? []) {
      const jobId = `${d.id}.${d.attempts}`;
      if (this.due(jobId, now)) push(WEBHOOK_QUEUE, { name: 'deliver', data: { deliveryId: d.id }, opts: { jobId } });
    }
    let n = 0;
    for (const [queue, list] of jobs) {
      await this.queue(queue).addBulk(list);
      n += list.length;
    }
    // An entry older than readdMs no longer holds anything back: forget it so the map stays small.
    for (const [id, at] of this.added) if (now - at >= this.readdMs) this.added.delete(id);
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
  }
}
