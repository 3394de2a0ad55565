/**
 * A `kineo worker` process (scale-out): the same services and job handlers as the embedded server, on PostgreSQL,
 * S3 and BullMQ, without HTTP. It serves one BullMQ queue per kind of work it has a handler for, with the
 * configured concurrency; asked for a queue it has no handler for, it refuses to start. It also runs the queue
 * reconciler, so tasks are handed out again even while no server runs.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Worker } from 'bullmq';
import { publicBaseUrl, type Config } from '../config.js';
import { openCore } from '../core/open-core.js';
import { BullDispatcher } from '../core/queue/bullmq-dispatcher.js';
import { ClusterBus } from '../core/queue/cluster-bus.js';
import { BATCH_QUEUE, ENCODE_QUEUE, generateQueue, WEBHOOK_QUEUE } from '../core/queue/names.js';
import type { Provider } from '../core/providers/provider.js';
import { batchHandler, encodeHandler, generateHandler, startBullWorkers, webhookHandler, type QueueHandler } from './bull-workers.js';
import type { RunningJob } from './generate.handler.js';

export interface WorkerRuntime {
  owner: string;
  /** The queues this worker serves, with their concurrency. */
  queues: { queue: string; concurrency: number }[];
  /** Tasks running in this process now. */
  running(): string[];
  stop(): Promise<void>;
}

export interface WorkerOptions {
  logger?: Logger;
  /** Replaces the configured providers (tests). */
  providers?: Provider[];
  /** Serve only these queues (default: every queue this worker has a handler for with concurrency > 0). */
  queues?: string[];
}

export class WorkerConfigError extends Error {}

export async function startWorker(config: Config, providerList?: Provider[], options: WorkerOptions = {}): Promise<WorkerRuntime> {
  if (config.backends.queue !== 'bullmq') {
    throw new WorkerConfigError('kineo worker takes jobs from BullMQ: set backends.queue to "bullmq" (KINEO_QUEUE=bullmq) with redis.url; in embedded mode `kineo serve` runs the workers itself');
  }
  const core = await openCore(config, { logger: options.logger, providers: providerList ?? options.providers });
  const { log, db, blobs, files, webhooks, bus, lifecycle, providers } = core;
  if (config.backends.db !== 'postgres' || config.backends.storage !== 's3') {
    log.warn('a worker on SQLite or local files shares them only with processes on this machine; use postgres and s3 for several machines');
  }
  const owner = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

  // Every queue this worker has a handler for, with its configured concurrency.
  const c = config.workerConcurrency;
  const available = new Map(providers.all().map((p) => [generateQueue(p.name), p]));
  const concurrency = new Map<string, number>([
    ...providers.all().map((p): [string, number] => [generateQueue(p.name), providers.settings(p.name).concurrency]),
    [WEBHOOK_QUEUE, c.webhook], [BATCH_QUEUE, c.batch], [ENCODE_QUEUE, c.encode],
  ]);
  const wanted = options.queues ?? [...concurrency].filter(([, n]) => n > 0).map(([q]) => q);
  const missing = wanted.filter((q) => !concurrency.has(q));
  const refuse = async (why: string) => {
    await core.close();
    throw new WorkerConfigError(why);
  };
  if (missing.length) {
    await refuse(`this worker has no handler for ${missing.join(', ')}; it can serve ${[...concurrency.keys()].join(', ')} (check the model files and --queues)`);
  }
  // A queue asked for by name (--queues) runs at least one job at a time.
  const slots = (queue: string) => Math.max(1, concurrency.get(queue)!);
  if (!wanted.length) await refuse('this worker would serve no queue: every concurrency in workerConcurrency is 0');

  files.baseUrl = publicBaseUrl(config, config.port);
  const cluster = new ClusterBus(config, log);
  cluster.forwardFrom(bus);
  const running = new Map<string, RunningJob>();
  const films = new Map<string, AbortController>();
  await cluster.onCallback((id) => core.callbacks.notify(id));
  await cluster.onCancel((id) => {
    running.get(id)?.stop('cancel');
    films.get(id)?.abort();
  });

  // Load what each served provider needs before taking its first job.
  const served = wanted.filter((q) => available.has(q)).map((q) => available.get(q)!);
  await Promise.all(served.map((p) => p.start()));

  let stopping = false;
  const handlers: QueueHandler[] = wanted.map((queue) => {
    const provider = available.get(queue);
    if (provider) return generateHandler(provider, slots(queue), { lifecycle, config, log, owner, running, isStopping: () => stopping, callbacks: core.callbacks });
    if (queue === WEBHOOK_QUEUE) return webhookHandler(webhooks, slots(queue));
    if (queue === BATCH_QUEUE) return batchHandler({ db, blobs }, slots(queue));
    return encodeHandler({ db, config, log, files, owner, running: films, stopping: () => stopping }, slots(queue));
  });
  const reconciler = new BullDispatcher(db, config, log, undefined, webhooks);
  webhooks.onWake = () => reconciler.kick();
  reconciler.start();
  const workers: Worker[] = startBullWorkers(handlers, config, log);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log.info({ owner, queues: handlers.map((h) => ({ queue: h.queue, concurrency: h.concurrency })) }, 'kineo worker ready');

  return {
    owner,
    queues: handlers.map((h) => ({ queue: h.queue, concurrency: h.concurrency })),
    running: () => [...running.keys()],
    async stop() {
      stopping = true;
      // Running jobs get the grace period, then stop and give their leases back (another worker takes them).
      const timer = setTimeout(() => {
        for (const job of running.values()) job.stop('shutdown');
        for (const film of films.values()) film.abort();
      }, config.shutdownGraceS * 1000);
      await Promise.all(workers.map((w) => w.close()));
      clearTimeout(timer);
      await reconciler.close();
      await cluster.close();
      await core.close();
    },
  };
}
