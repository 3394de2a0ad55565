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
  private readonly queues = new Map<string, Queue<GenerateJobData>>();
  /** When this process last added each task (re-adds of a row are spaced by `readdMs`). */
  private readonly added = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private kicked = false;
  private again = false;
  private closed = false;
  /** Rows due longer than this without a worker are added again (they may have been lost). */
  private readonly readdMs: number;

  private webhookQueue: Queue<WebhookJobData> | undefined;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly log: FastifyBaseLogger,
    private readonly onTick?: () => Promise<void>,
    private readonly deliveries?: DueDeliveries,
  ) {
    this.readdMs = Math.max(2_000, Math.min(10_000, config.queue.leaseMs));
  }

  queue(provider: string): Queue<GenerateJobData> {
    let q = this.queues.get(provider);
    if (!q) {
      q = new Queue<GenerateJobData>(generateQueue(provider), {
        connection: { url: this.config.redis.url, maxRetriesPerRequest: null },
        prefix: this.config.redis.prefix,
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
      });
      q.on('error', (err) => this.log.warn({ err: err.message, queue: q!.name }, 'BullMQ queue error (retrying)'));
      this.queues.set(provider, q);
    }
    return q;
  }

  /** Adds a created task's job. A failure is logged, not thrown: the task is committed and the reconciler adds it. */
  add(provider: string, taskId: string): void {
    this.added.set(taskId, Date.now());
    this.queue(provider).add('generate', { taskId }, { jobId: taskId }).catch((err) => {
      this.log.warn({ err: (err as Error).message, task: taskId }, 'could not add the job to BullMQ now; the reconciler will');
    });
  }

  private readonly others = new Map<string, Queue>();

  /**
   * Adds a job to one of the other queues (batch, encode) unless one with this id is still there. Its state lives
   * in the database, which the caller looks at again later, so a lost add is made again then.
   */
  addJob(queueName: string, name: string, data: Record<string, unknown>, jobId: string, opts: { attempts?: number } = {}): void {
    let q = this.others.get(queueName);
    if (!q) {
      q = new Queue(queueName, {
        connection: { url: this.config.redis.url, maxRetriesPerRequest: null },
        prefix: this.config.redis.prefix,
        defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
      });
      q.on('error', (err) => this.log.warn({ err: err.message, queue: queueName }, 'BullMQ queue error (retrying)'));
      this.others.set(queueName, q);
    }
    const attempts = opts.attempts ?? 1;
    q.add(name, data, { jobId, attempts, backoff: { type: 'exponential', delay: 1000 } }).catch((err) => {
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

  /** Adds again the free queue rows that have been due for a while; returns how many it added. */
  async reconcile(now = Date.now()): Promise<number> {
    const rows = await queueRepository.due(this.db, now, 1000);
    const byProvider = new Map<string, string[]>();
    for (const r of rows) {
      const last = this.added.get(r.task_id) ?? 0;
      if (now - last < this.readdMs) continue;
      this.added.set(r.task_id, now);
      byProvider.set(r.provider, [...(byProvider.get(r.provider) ?? []), r.task_id]);
    }
    let n = 0;
    for (const [provider, ids] of byProvider) {
      await this.queue(provider).addBulk(ids.map((taskId) => ({ name: 'generate', data: { taskId }, opts: { jobId: taskId } })));
      n += ids.length;
    }
    if (this.deliveries) {
      // One job per attempt (jobId delivery.attempt): a retry is a new job once the previous attempt is recorded.
      const due = (await this.deliveries.due(500)).filter((d) => now - (this.added.get(`${d.id}.${d.attempts}`) ?? 0) >= this.readdMs);
      for (const d of due) this.added.set(`${d.id}.${d.attempts}`, now);
      if (due.length) {
        this.webhookQueue ??= new Queue<WebhookJobData>(WEBHOOK_QUEUE, {
          connection: { url: this.config.redis.url, maxRetriesPerRequest: null },
          prefix: this.config.redis.prefix,
          defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
        });
        await this.webhookQueue.addBulk(due.map((d) => ({ name: 'deliver', data: { deliveryId: d.id }, opts: { jobId: `${d.id}.${d.attempts}` } })));
        n += due.length;
      }
    }
    // Forget tasks that are no longer due (finished or leased) so the map stays small.
    const dueIds = new Set(rows.map((r) => r.task_id));
    for (const [id, at] of this.added) if (!dueIds.has(id) && now - at > 10 * this.readdMs) this.added.delete(id);
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.queues.values(), ...this.others.values(), ...(this.webhookQueue ? [this.webhookQueue] : [])].map((q) => q.close().catch(() => undefined)));
  }
}
