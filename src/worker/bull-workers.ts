/**
 * BullMQ workers for generation (scale-out): one BullMQ Worker per provider queue with explicit concurrency. Each
 * job names a task; the worker leases the task's queue row (claimTask) and runs the same handler as embedded mode
 * (runGenerateJob): a job delivered twice — after a stall, a reconciliation, a Redis restart — runs once, and a
 * task whose worker died is leased again once its lease expires.
 */
import { Worker, type Job } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { TaskLifecycle } from '../core/tasks/task-lifecycle.js';
import { BATCH_QUEUE, ENCODE_QUEUE, generateQueue, WEBHOOK_QUEUE } from '../core/queue/names.js';
import type { Db } from '../core/db/database.js';
import type { BlobStore } from '../core/repositories/blob-storage.js';
import { assembleBatch } from '../core/assembly/batch-assembly.js';
import { failAssembly } from '../core/assembly/batch-assembly.js';
import { runStoryboardAssembly, type AssemblyRunDeps } from '../core/assembly/storyboard-assembly.js';
import type { GenerateJobData, WebhookJobData } from '../core/queue/bullmq-dispatcher.js';
import type { WebhooksService } from '../core/services/webhooks.service.js';
import { runGenerateJob, type RunningJob } from './generate.handler.js';
import type { ProviderCallbacks } from '../core/providers/callbacks.js';
import type { Provider } from '../core/providers/provider.js';

export interface QueueHandler {
  queue: string;
  concurrency: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  process(job: Job<any>): Promise<string>;
}

/** Ad-batch zips: BullMQ retries a failed run with backoff; after the last one the batch fails (assembly_failed). */
export function batchHandler(deps: { db: Db; blobs: BlobStore }, concurrency: number): QueueHandler {
  return {
    queue: BATCH_QUEUE,
    concurrency,
    async process(job: Job<{ batchId: string }>) {
      try {
        const row = await assembleBatch({ db: deps.db, blobs: deps.blobs }, job.data.batchId);
        return row?.status ?? 'nothing to do';
      } catch (err) {
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await failAssembly(deps.db, job.data.batchId, err);
        throw err;
      }
    },
  };
}

/** Storyboard films: the same lease-holding run as in embedded mode (retries go through the storyboard row). */
export function encodeHandler(deps: AssemblyRunDeps, concurrency: number): QueueHandler {
  return {
    queue: ENCODE_QUEUE,
    concurrency,
    async process(job: Job<{ storyboardId: string }>) {
      await runStoryboardAssembly(job.data.storyboardId, deps);
      return 'done';
    },
  };
}

/** Webhook deliveries: one attempt per job; the outbox row says what is due, the claim who sends it. */
export function webhookHandler(webhooks: WebhooksService, concurrency: number): QueueHandler {
  return {
    queue: WEBHOOK_QUEUE,
    concurrency,
    async process(job: Job<WebhookJobData>) {
      return (await webhooks.deliverDue(job.data.deliveryId)) ? 'sent' : 'not due';
    },
  };
}

export interface GenerateHandlerDeps {
  lifecycle: TaskLifecycle;
  config: Config;
  log: FastifyBaseLogger;
  owner: string;
  running: Map<string, RunningJob>;
  isStopping: () => boolean;
  callbacks?: ProviderCallbacks;
}

export function generateHandler(provider: Provider, concurrency: number, deps: GenerateHandlerDeps): QueueHandler {
  return {
    queue: generateQueue(provider.name),
    concurrency,
    async process(job) {
      const claimed = await deps.lifecycle.claimTask(job.data.taskId, deps.owner);
      if (!claimed) return 'not claimable (finished, gone, or leased by a live worker)';
      await runGenerateJob(claimed, provider, { lifecycle: deps.lifecycle, config: deps.config, log: deps.log, callbacks: deps.callbacks }, (running) => {
        deps.running.set(claimed.task.id, running);
        if (deps.isStopping()) running.stop('shutdown');
        return () => deps.running.delete(claimed.task.id);
      });
      return 'done';
    },
  };
}

/** Starts a BullMQ Worker per handler. */
export function startBullWorkers(handlers: QueueHandler[], config: Config, log: FastifyBaseLogger): Worker[] {
  return handlers.filter((h) => h.concurrency > 0).map((h) => {
    const worker = new Worker(h.queue, (job) => h.process(job), {
      connection: { url: config.redis.url, maxRetriesPerRequest: null },
      prefix: config.redis.prefix,
      concurrency: h.concurrency,
      // A stalled job (its worker died) goes back to the queue many times rather than failing: the queue row's
      // lease and attempt count decide when a task fails for good.
      maxStalledCount: 1000,
      lockDuration: Math.max(5_000, config.queue.leaseMs),
      stalledInterval: Math.max(5_000, config.queue.leaseMs),
    });
    worker.on('error', (err) => log.warn({ err: err.message, queue: h.queue }, 'BullMQ worker error (retrying)'));
    worker.on('failed', (job, err) => log.error({ err: err.message, queue: h.queue, job: job?.id }, 'a job failed outside its handler; the reconciler hands the task out again'));
    return worker;
  });
}
