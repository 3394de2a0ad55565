/**
 * Opens what a server and a worker both stand on, from config alone: the database (migrated), blob storage, the
 * server key, metrics, files, webhooks, progress, the task lifecycle, the provider catalog and Retry-After. A
 * `kineo serve` adds HTTP on top; a `kineo worker` adds queue consumers. Opening the core loads no model code.
 */
import { pino, type Logger } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { openDatabase, type Db, type OpenedDatabase } from './db/database.js';
import { Metrics } from './metrics.js';
import { ProviderCallbacks } from './providers/callbacks.js';
import { Providers } from './providers/catalog.js';
import { createProviders, providerInstances, type ProviderInstance } from './providers/instances.js';
import type { Provider } from './providers/provider.js';
import type { BlobStore } from './repositories/blob-storage.js';
import { openBlobStore } from './repositories/open-blob-store.js';
import { ServerKey } from './repositories/server-key.js';
import { FilesService } from './services/files.service.js';
import { ProgressBus } from './services/progress-bus.js';
import { UrlGuard } from './services/url-guard.js';
import { WebhooksService } from './services/webhooks.service.js';
import { RetryAfter } from './tasks/admission.js';
import { TaskLifecycle } from './tasks/task-lifecycle.js';

export interface Core {
  config: Config;
  logger: Logger;
  log: FastifyBaseLogger;
  database: OpenedDatabase;
  db: Db;
  blobs: BlobStore;
  serverKey: ServerKey;
  metrics: Metrics;
  guard: UrlGuard;
  files: FilesService;
  webhooks: WebhooksService;
  bus: ProgressBus;
  lifecycle: TaskLifecycle;
  /** The provider instances config lists. */
  instances: ProviderInstance[];
  /** Their providers (nothing loaded until a worker starts one). */
  providers: Providers;
  retryAfter: RetryAfter;
  /** Remote providers' callbacks to running tasks (config publicUrl). */
  callbacks: ProviderCallbacks;
  /** True when `kineo worker` processes run the jobs (BullMQ), false when `kineo serve` runs them (embedded). */
  scaleOut: boolean;
  close(): Promise<void>;
}

export interface CoreOptions {
  logger?: Logger;
  /** Replaces the configured providers (tests). */
  providers?: Provider[];
}

export async function openCore(config: Config, options: CoreOptions = {}): Promise<Core> {
  const instances = providerInstances(config);
  const providerList = options.providers ?? createProviders(instances);
  const logger = options.logger ?? pino({ level: config.logLevel });
  const log = logger as unknown as FastifyBaseLogger;
  const database = await openDatabase(config);
  const { db } = database;
  const serverKey = ServerKey.forConfig(config);
  const blobs = await openBlobStore(config);
  const metrics = new Metrics();
  const guard = new UrlGuard(config.security.allowPrivateUrls);
  const files = new FilesService(db, blobs, serverKey, config.files.urlTtlS);
  const webhooks = new WebhooksService(db, serverKey, files, guard, config.webhooks, metrics, log);
  const bus = new ProgressBus();
  const lifecycle = new TaskLifecycle(db, blobs, webhooks, bus, metrics, config);
  await lifecycle.init();
  const providers = new Providers(providerList, instances, config.credits.pricePerClip);
  const scaleOut = config.backends.queue === 'bullmq';
  const retryAfter = new RetryAfter(db, providers, scaleOut);
  const callbacks = new ProviderCallbacks(serverKey, config.publicUrl);
  return {
    config, logger, log, database, db, blobs, serverKey, metrics, guard, files, webhooks, bus, lifecycle, instances, providers, retryAfter, callbacks, scaleOut,
    async close() {
      await Promise.all(providers.all().map((p) => p.close().catch(() => undefined)));
      await db.destroy();
    },
  };
}
