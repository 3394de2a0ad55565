/**
 * bcrypt off the event loop. bcryptjs is pure JavaScript: one cost-11 hash or compare holds the thread for
 * ~100–200 ms, so 40 concurrent wrong sign-ins used to stall every request of the server for seconds. Here one
 * worker thread does them in turn (the second core is the worker pool's); the event loop only posts messages.
 * Hashes stay bcrypt, so existing passwords keep working.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcrypt);
parentPort.on('message', ({ id, op, password, cost, hash }) => {
  try {
    const value = op === 'hash' ? bcrypt.hashSync(password, cost) : bcrypt.compareSync(password, hash);
    parentPort.postMessage({ id, value });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

type Pending = { resolve: (v: never) => void; reject: (e: Error) => void };

export class PasswordHasher {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** Hashes and compares waiting for the worker (a bound on them is the caller's: sign-in attempts are limited). */
  get waiting(): number {
    return this.pending.size;
  }

  hash(password: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', password, cost });
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run({ op: 'compare', password, hash });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private run<T>(message: Record<string, unknown>): Promise<T> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject });
      worker.postMessage({ id, ...message });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER, { eval: true, workerData: { bcrypt: require.resolve('bcryptjs') } });
    worker.unref(); // an idle hasher never keeps the process alive
    worker.on('message', ({ id, value, error }: { id: number; value?: unknown; error?: string }) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (error !== undefined) p?.reject(new Error(`password hashing failed: ${error}`));
      else p?.resolve(value as never);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new Error('the password hasher stopped'));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
