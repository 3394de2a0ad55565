/**
 * `kineo worker`: a scale-out worker process (any number, on any machine) taking jobs from BullMQ; and
 * `kineo queues`: what waits where — BullMQ's counts per queue next to the database's queue rows, and the dead
 * letters (tasks that failed for good after their retries).
 */
import type { Command } from 'commander';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { loadConfig, maskedConfig, type Config, type ConfigInput } from '../config.js';
import { providerInstances } from '../core/providers/instances.js';
import type { ProviderKind } from '../core/providers/kind.js';
import { providerKinds } from '../core/providers/registry.js';
import { startWorker } from '../worker/runtime.js';
import { openDatabase } from '../core/db/database.js';
import { BATCH_QUEUE, ENCODE_QUEUE, generateQueue, WEBHOOK_QUEUE } from '../core/queue/names.js';
import { intOption } from './options.js';

interface WorkerOptions {
  config?: string;
  data?: string;
  queues?: string;
  /** --<legacy provider> <n>: that provider's workerConcurrency. */
  [provider: string]: string | number | undefined;
}

/** The providers with a legacy section each get a --<name> <n> flag (their workerConcurrency). */
const legacyProviders = Object.entries(providerKinds as Record<string, ProviderKind>).filter(([, k]) => k.legacy).map(([name]) => name);

export function registerWorkerCommands(program: Command): void {
  const worker = program
    .command('worker')
    .description('run a scale-out worker: takes generation jobs from BullMQ (needs backends.queue=bullmq; see README "Scale-out")')
    .option('--config <file>', 'JSON config file (the same one the servers use)')
    .option('--data <dir>', 'data directory (server key when not configured)')
    .option('--queues <list>', 'serve only these queues, comma-separated (e.g. generate-oracle)');
  for (const name of legacyProviders) worker.option(`--${name} <n>`, `concurrent ${name} jobs (workerConcurrency.${name})`, intOption(0, 256));
  worker
    .action(async (opts: WorkerOptions) => {
      const counts = Object.fromEntries(legacyProviders.map((name) => [name, opts[name] as number | undefined]));
      const config = loadConfig({
        file: opts.config,
        overrides: { dataDir: opts.data, workerConcurrency: counts as ConfigInput['workerConcurrency'] },
      });
      const logger = pino({ level: config.logLevel });
      logger.info({ config: maskedConfig(config) }, 'kineo worker config');
      const queues = opts.queues?.split(',').map((q) => q.trim()).filter(Boolean);
      const worker = await startWorker(config, undefined, { logger, queues });
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        logger.info({ signal, running: worker.running() }, 'worker stopping: finishing running jobs (or giving them back)');
        worker.stop().then(() => process.exit(0), (err) => {
          logger.error({ err }, 'worker stop failed');
          process.exit(1);
        });
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });

  program
    .command('queues')
    .description('queue status (scale-out): BullMQ counts per queue, queue rows in the database, dead letters')
    .option('--config <file>', 'JSON config file')
    .option('--json', 'print JSON')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const config = loadConfig({ file: opts.config });
      const status = await queueStatus(config);
      if (opts.json) console.log(JSON.stringify(status, null, 2));
      else {
        for (const q of status.bullmq) console.log(`${q.queue.padEnd(20)} ${Object.entries(q.counts).map(([k, v]) => `${k} ${v}`).join('  ')}`);
        console.log(`database queue rows: ${status.rows.waiting} waiting, ${status.rows.leased} leased`);
        console.log(`dead letters (failed for good): ${status.deadLetters.length}`);
        for (const d of status.deadLetters.slice(0, 20)) console.log(`  ${d.id}  ${d.error_code}  ${d.error_message}`);
      }
    });
}

export async function queueStatus(config: Config) {
  const { db } = await openDatabase(config);
  try {
    const bullmq = [];
    if (config.backends.queue === 'bullmq') {
      for (const name of [...providerInstances(config).map((p) => generateQueue(p.name)), WEBHOOK_QUEUE, BATCH_QUEUE, ENCODE_QUEUE]) {
        const q = new Queue(name, { connection: { url: config.redis.url }, prefix: config.redis.prefix });
        bullmq.push({ queue: q.name, counts: await q.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed') });
        await q.close();
      }
    }
    const now = Date.now();
    const rows = await db.selectFrom('queue').select(['lease_owner', 'lease_expires_at']).execute();
    const leased = rows.filter((r) => r.lease_owner && (r.lease_expires_at ?? 0) >= now).length;
    const deadLetters = await db.selectFrom('tasks').select(['id', 'error_code', 'error_message', 'attempts', 'updated_at'])
      .where('status', '=', 'failed').where('error_code', 'in', ['attempts_exhausted', 'generation_failed'])
      .orderBy('updated_at', 'desc').limit(100).execute();
    return { bullmq, rows: { waiting: rows.length - leased, leased }, deadLetters };
  } finally {
    await db.destroy();
  }
}
