/**
 * Wires one Kineo server: database (migrated), storage, services, providers, the worker pool and the webhook
 * dispatcher around the HTTP app. `start()` listens and starts the loops; `stop()` is the graceful shutdown:
 * stop accepting, let running work finish for shutdownGraceS (then give its leases back), drain webhooks, close.
 */
import { pino, type Logger } from 'pino';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { publicBaseUrl, type Config } from '../config.js';
import { buildApp } from './app.js';
import type { AppContext } from './context.js';
import { openDatabase, type OpenedDatabase } from './db/database.js';
import { openBlobStore } from './repositories/open-blob-store.js';
import { ServerKey } from './repositories/server-key.js';
import { Metrics } from './metrics.js';
import { AuthService } from './services/auth.service.js';
import { FilesService } from './services/files.service.js';
import { KeysService } from './services/keys.service.js';
import { ProgressBus } from './services/progress-bus.js';
import { Providers } from './services/providers.js';
import { TaskLifecycle } from './services/task-lifecycle.js';
import { TasksService } from './services/tasks.service.js';
import { UrlGuard } from './services/url-guard.js';
import { WebhooksService } from './services/webhooks.service.js';
import { AccountsService } from './services/accounts.service.js';
import { CommunityService } from './services/community.service.js';
import { PromptsService } from './services/prompts.service.js';
import { EffectsService } from './services/effects.service.js';
import { ArenaService } from './services/arena.service.js';
import { taskPreviewRenderer } from './services/preview-renderer.js';
import { BatchesService } from './services/batches.service.js';
import { BatchRunner, MAX_ASSEMBLY_RUNS } from './services/batch-runner.js';
import { StoryboardsService } from './services/storyboards.service.js';
import { loadEffectCatalog } from './effects/catalog.js';
import { WorkerPool } from '../worker/pool.js';
import { BullDispatcher } from './queue/bullmq-dispatcher.js';
import { ClusterBus } from './queue/cluster-bus.js';
import { BATCH_QUEUE, ENCODE_QUEUE } from './queue/names.js';
import { BuiltinProvider } from '../worker/providers/builtin.js';
import { OracleProvider } from '../worker/providers/oracle.js';
import type { Provider } from '../worker/providers/provider.js';

export interface Kineo {
  app: FastifyInstance;
  config: Config;
  context: AppContext;
  database: OpenedDatabase;
  lifecycle: TaskLifecycle;
  pool: WorkerPool;
  /** Listens (port 0 → an ephemeral port) and starts workers and webhooks; returns the base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export interface KineoOptions {
  logger?: Logger;
  /** Replaces the configured providers (tests). */
  providers?: Provider[];
  /** The effect template catalog file (default src/server/effects/catalog.json). */
  effectsCatalog?: string;
}

export function makeProviders(config: Config): Provider[] {
  const list: Provider[] = [new BuiltinProvider(config.builtin.model, config.builtin.threads)];
  if (config.oracle.enabled) list.push(new OracleProvider(config.oracle.delayMs));
  return list;
}

export async function createKineo(config: Config, options: KineoOptions = {}): Promise<Kineo> {
  // The catalog first: a bad file stops the start before anything is opened.
  const catalog = loadEffectCatalog(options.effectsCatalog);
  const logger = options.logger ?? pino({ level: config.logLevel });
  const log = logger as unknown as FastifyBaseLogger;
  const database = await openDatabase(config);
  const { db } = database;
  const serverKey = ServerKey.forConfig(config);
  const blobs = await openBlobStore(config);
  const metrics = new Metrics();
  const guard = new UrlGuard(config.security.allowPrivateUrls);
  const files = new FilesService(db, blobs, serverKey, config.files.urlTtlS);
  const keys = new KeysService(db, serverKey);
  const auth = new AuthService(keys, config.security.jwtClockToleranceS);
  const bus = new ProgressBus();
  const webhooks = new WebhooksService(db, serverKey, files, guard, config.webhooks, metrics, log);
  const lifecycle = new TaskLifecycle(db, blobs, webhooks, bus, metrics, config);
  await lifecycle.init();
  const providerList = options.providers ?? makeProviders(config);
  const builtin = providerList.find((p) => p.name === 'builtin');
  const providers = new Providers(providerList, builtin?.model ?? providerList[0]!.model);
  // Who runs tasks: the in-process pool (embedded), or `kineo worker` processes fed through BullMQ (scale-out),
  // in which case this server runs no model code. `wake` tells them a task is waiting; `abortRunning` reaches a
  // running task wherever it runs.
  const scaleOut = config.backends.queue === 'bullmq';
  const dispatcher = scaleOut ? new BullDispatcher(db, config, log, () => lifecycle.refreshCounts(), webhooks) : undefined;
  if (dispatcher) webhooks.onWake = () => dispatcher.kick();
  const cluster = scaleOut ? new ClusterBus(config, log) : undefined;
  let pool: WorkerPool | undefined;
  const wake = (provider: string) => (dispatcher ? dispatcher.kick() : pool?.wake(provider));
  const abortRunning = (taskId: string) => (cluster ? cluster.cancel(taskId) : pool?.abort(taskId));
  const tasks = new TasksService(db, config, providers, lifecycle, files, guard, metrics, wake);
  pool = new WorkerPool(providerList, lifecycle, config, metrics, log, (p, s) => tasks.noteRunTime(p, s));

  const accounts = new AccountsService(db, keys, config);
  const community = new CommunityService(db, files, accounts);
  const prompts = new PromptsService(config.credits.pricePerClip);
  const arena = new ArenaService(db, config, providers, tasks, files, keys);
  const effects = new EffectsService(catalog, config.dataDir, taskPreviewRenderer({ tasks, files, systemKey: () => arena.systemKey(), model: providers.defaultModel }));
  const batchRunner = new BatchRunner(db, blobs, lifecycle, metrics, log, wake, {
    tickMs: Math.min(250, config.queue.pollMs),
    // Scale-out: a worker's 'batch' queue makes the zip (BullMQ retries it, then the batch fails).
    assemblyQueue: dispatcher && ((id) => dispatcher.addJob(BATCH_QUEUE, 'assemble', { batchId: id }, id, { attempts: MAX_ASSEMBLY_RUNS })),
  });
  const batches = new BatchesService(db, config, providers, catalog, prompts, lifecycle, tasks, files, metrics, {
    workers: wake, runner: () => batchRunner.wake(), abortAssembly: (id) => batchRunner.abortAssembly(id),
  });

  const storyboards = new StoryboardsService({
    db, config, providers, lifecycle, tasks, files, prompts, bus, metrics, log, wakeWorkers: wake, abortRunning,
    assemblyQueue: dispatcher && ((id) => dispatcher.addJob(ENCODE_QUEUE, 'film', { storyboardId: id }, id)),
  });

  let loading: string | null = 'starting';
  const context: AppContext = {
    config, keys, auth, tasks, files, webhooks, bus, providers, metrics, guard, accounts, community, prompts, effects, arena, batches,
    storyboards,
    abortRunning,
    notReady: () => loading,
  };
  const app = await buildApp(context, logger);

  let started = false;
  return {
    app, config, context, database, lifecycle, pool,
    async start() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      files.baseUrl = publicBaseUrl(config, port);
      started = true;
      if (!scaleOut) webhooks.start(); // scale-out: workers send them (the 'webhook' queue)
      if (dispatcher && cluster) {
        // Scale-out: no model code here; workers take the jobs. Live progress comes from them over Redis.
        await cluster.relayTo(bus);
        dispatcher.start();
        dispatcher.kick();
      } else {
        // Workers start at once (the oracle needs no loading); the builtin model loads in the background and its
        // worker waits for it. /readyz answers 503 until every provider is loaded.
        pool!.start();
      }
      batchRunner.start();
      storyboards.start();
      const preload = scaleOut ? [] : providerList.filter((p) => p.name !== 'builtin' || config.builtin.preload);
      loading = preload.length ? `loading ${preload.map((p) => p.model).join(', ')}` : null;
      Promise.all(preload.map((p) => p.start())).then(() => {
        if (loading?.startsWith('loading')) loading = null;
      }, (err) => {
        loading = `a provider failed to load: ${(err as Error).message}`;
        log.error({ err }, 'a provider failed to load');
      });
      return files.baseUrl;
    },
    async stop() {
      loading = 'shutting down';
      bus.shutdown(); // end SSE streams so that the HTTP server can close
      // Stop accepting; in-flight requests finish. A keep-alive connection whose response ended just as the close
      // began can hold it open (~a minute): after the grace period every remaining connection is closed.
      const linger = setTimeout(() => app.server.closeAllConnections(), Math.max(1000, config.shutdownGraceS * 1000));
      await app.close();
      clearTimeout(linger);
      if (started) {
        await batchRunner.stop();
        await storyboards.stop(config.shutdownGraceS * 1000);
        await pool!.stop(config.shutdownGraceS * 1000);
        await webhooks.stop();
      }
      await dispatcher?.close();
      await cluster?.close();
      await Promise.all(providerList.map((p) => p.close().catch(() => undefined)));
      await db.destroy();
    },
  };
}
