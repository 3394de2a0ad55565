/**
 * One `kineo serve` process, composed: the core (database, storage, lifecycle, providers), the HTTP server on top,
 * and — embedded — the in-process worker pool that runs the tasks. In scale-out no pool is built: `kineo worker`
 * processes take the jobs, and this process runs no model code. This file is the only one that sees both
 * src/server and src/worker; they share only src/core.
 */
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { OpenedDatabase } from './core/db/database.js';
import { openCore } from './core/open-core.js';
import { createProviders, providerInstances } from './core/providers/instances.js';
import type { Provider } from './core/providers/provider.js';
import type { TaskLifecycle } from './core/tasks/task-lifecycle.js';
import { createApiServer } from './server/api-server.js';
import type { AppContext } from './server/context.js';
import { WorkerPool } from './worker/pool.js';

export interface Kineo {
  app: FastifyInstance;
  config: Config;
  context: AppContext;
  database: OpenedDatabase;
  lifecycle: TaskLifecycle;
  /** The in-process workers (embedded); undefined in scale-out. */
  pool: WorkerPool | undefined;
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

/** The providers config lists (constructing them loads no model code). */
export function makeProviders(config: Config): Provider[] {
  return createProviders(providerInstances(config));
}

export async function createKineo(config: Config, options: KineoOptions = {}): Promise<Kineo> {
  const core = await openCore(config, { logger: options.logger, providers: options.providers });
  const pool = core.scaleOut ? undefined : new WorkerPool(core.providers, core.lifecycle, config, core.metrics, core.log, core.callbacks);
  let server;
  try {
    server = await createApiServer(core, { runner: pool, effectsCatalog: options.effectsCatalog });
  } catch (err) {
    await core.close();
    throw err;
  }
  const api = server;
  return {
    app: api.app, config, context: api.context, database: core.database, lifecycle: core.lifecycle, pool,
    start: () => api.start(),
    async stop() {
      await api.stop();
      await core.close();
    },
  };
}
