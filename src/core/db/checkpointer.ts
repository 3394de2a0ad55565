/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside whichever commit crosses the
 * threshold — on the event loop, with an fsync — and every request waiting on that commit pays for it (the create
 * latency tail). Here a worker thread with its own connection runs PASSIVE checkpoints (they never block readers or
 * writers) every second; the automatic one stays as a backstop at a much larger WAL.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next round tries again */ }
}, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); process.exit(0); });
`;

export interface Checkpointer {
  stop(): void;
}

export function startCheckpointer(path: string, everyMs = 1000): Checkpointer {
  const worker = new Worker(WORKER, { eval: true, workerData: { path, everyMs, driver: require.resolve('better-sqlite3') } });
  worker.unref();
  worker.on('error', () => undefined); // the backstop (wal_autocheckpoint) still bounds the WAL
  return {
    stop() {
      worker.postMessage('stop');
    },
  };
}
