/**
 * The HTTP side of a Kineo server over an opened core: services, the Fastify app, the batch and storyboard loops,
 * and who runs the tasks — a TaskRunner handed in (embedded: the in-process worker pool), or, in scale-out, BullMQ
 * and Redis pub/sub to `kineo worker` processes, in which case this process runs no model code. `start()` listens
 * and starts the loops; `stop()` is the graceful shutdown: stop accepting, let running work finish for
 * shutdownGraceS (then give its leases back), drain webhooks, close.
 */
import type { FastifyInstance } from 'fastify';
import { publicBaseUrl } from '../config.js';
import type { Core } from '../core/open-core.js';
import { BullDispatcher } from '../core/queue/bullmq-dispatcher.js';
import { ClusterBus } from '../core/queue/cluster-bus.js';
import { BATCH_QUEUE, ENCODE_QUEUE } from '../core/queue/names.js';
import type { TaskRunner } from '../core/queue/task-runner.js';
import { buildApp } from './app.js';
import type { AppContext } from './context.js';
import { AuthService } from './services/auth.service.js';
import { KeysService } from './services/keys.service.js';
import { InputsService } from './services/inputs.service.js';
import { TasksService } from './services/tasks.service.js';
import { AccountsService } from './services/accounts.service.js';
import { CommunityService } from './services/community.service.js';
import { PromptsService } from './services/prompts.service.js';
import { EffectsService } from './services/effects.service.js';
import { ArenaService } from './services/arena.service.js';
import { taskPreviewRenderer } from './services/preview-renderer.js';
import { BatchesService } from './services/batches.service.js';
import { BatchRunner, MAX_ASSEMBLY_RUNS } from './services/batch-runner.js';
import { StoryboardsService } from './services/storyboards.service.js';
import { TaskGroupsService } from './services/task-groups.service.js';
import { loadEffectCatalog } from './effects/catalog.js';

export interface ApiServer {
  app: FastifyInstance;
  context: AppContext;
  /** Listens (port 0 → an ephemeral port) and starts the loops; returns the base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export interface ApiServerOptions {
  /** Embedded: what runs the tasks in this process. Absent in scale-out (BullMQ feeds `kineo worker`s). */
  runner?: TaskRunner & { notReady(): string | null };
  /** The effect template catalog file (default src/server/effects/catalog.json). */
  effectsCatalog?: string;
}

export async function createApiServer(core: Core, options: ApiServerOptions = {}): Promise<ApiServer> {
  const { config, db, blobs, serverKey, metrics, guard, files, webhooks, bus, lifecycle, providers, retryAfter, callbacks, log, scaleOut } = core;
  // The catalog first: a bad file stops the start before anything else is built.
  const catalog = loadEffectCatalog(options.effectsCatalog);
  if (!scaleOut && !options.runner) throw new Error('an embedded server needs a task runner (the worker pool)');
  const keys = new KeysService(db, serverKey);
  const auth = new AuthService(keys, config.security.jwtClockToleranceS);
  // Scale-out: `wake` tells BullMQ a task is waiting and `abort` reaches a running task over Redis.
  const dispatcher = scaleOut ? new BullDispatcher(db, config, log, () => lifecycle.refreshCounts(), webhooks) : undefined;
  if (dispatcher) webhooks.onWake = () => dispatcher.kick();
  const cluster = scaleOut ? new ClusterBus(config, log) : undefined;
  const runner: TaskRunner = options.runner ?? {
    wake: () => dispatcher!.kick(),
    abort: (taskId) => void cluster!.cancel(taskId),
    start: () => {
      dispatcher!.start();
      dispatcher!.kick();
    },
    stop: async () => {
      await dispatcher!.close();
      await cluster!.close();
    },
  };
  const wake = (provider: string) => runner.wake(provider);
  const abortRunning = (taskId: string) => runner.abort(taskId);
  const inputs = new InputsService(db, blobs, guard, config);
  const tasks = new TasksService(db, config, providers, lifecycle, files, guard, metrics, retryAfter, wake, inputs);

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
  const batches = new BatchesService(db, config, providers, catalog, prompts, lifecycle, tasks, files, metrics, retryAfter, {
    workers: wake, runner: () => batchRunner.wake(), abortAssembly: (id) => batchRunner.abortAssembly(id),
  }, inputs);

  const storyboards = new StoryboardsService({
    db, config, providers, lifecycle, tasks, files, prompts, bus, metrics, log, retryAfter, wakeWorkers: wake, abortRunning,
    assemblyQueue: dispatcher && ((id) => dispatcher.addJob(ENCODE_QUEUE, 'film', { storyboardId: id }, id)),
  });

  let state: string | null = 'starting';
  const context: AppContext = {
    config, keys, auth, tasks, files, webhooks, bus, providers, metrics, guard, accounts, community, prompts, effects, arena, batches,
    storyboards, taskGroups: new TaskGroupsService(db, batches, storyboards),
    abortRunning,
    providerCallback: (taskId, token) => {
      if (!callbacks.verify(taskId, token)) return false;
      callbacks.notify(taskId); // embedded: the pool polls in this process
      cluster?.callback(taskId); // scale-out: a worker does
      return true;
    },
    notReady: () => state ?? options.runner?.notReady() ?? null,
  };
  const app = await buildApp(context, core.logger);

  let started = false;
  const prerendering = new AbortController();
  return {
    app, context,
    async start() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      files.baseUrl = publicBaseUrl(config, port);
      started = true;
      if (!scaleOut) webhooks.start(); // scale-out: workers send them (the 'webhook' queue)
      // Scale-out: live progress comes from the workers over Redis.
      if (cluster) await cluster.relayTo(bus);
      runner.start();
      batchRunner.start();
      storyboards.start();
      if (config.effects.prerender) {
        void effects.prerender(prerendering.signal).then((r) => {
          if (r.drawn || r.failed.length) log.info({ drawn: r.drawn, cached: r.cached, failed: r.failed, ms: r.ms }, 'effect previews drawn');
        });
      }
      state = null;
      return files.baseUrl;
    },
    async stop() {
      state = 'shutting down';
      prerendering.abort();
      bus.shutdown(); // end SSE streams so that the HTTP server can close
      // Stop accepting; in-flight requests finish. A keep-alive connection whose response ended just as the close
      // began can hold it open (~a minute): after the grace period every remaining connection is closed.
      const linger = setTimeout(() => app.server.closeAllConnections(), Math.max(1000, config.shutdownGraceS * 1000));
      await app.close();
      clearTimeout(linger);
      await accounts.close();
      if (started) {
        await batchRunner.stop();
        await storyboards.stop(config.shutdownGraceS * 1000);
        await runner.stop(config.shutdownGraceS * 1000);
        await webhooks.stop();
      } else if (!options.runner) {
        await runner.stop(0);
      }
    },
  };
}
