/**
 * Who runs the tasks the server admits, as the server sees it: told when a provider's queue has work and when a
 * running task is cancelled. Embedded, the in-process worker pool (src/worker/pool.ts, handed to the server by
 * whoever composes the process); scale-out, BullMQ and Redis pub/sub to `kineo worker` processes.
 */
export interface TaskRunner {
  /** A task of this provider is waiting. */
  wake(provider: string): void;
  /** Stops a running task at its next step, wherever it runs. */
  abort(taskId: string): void;
  start(): void;
  /** Running work gets `graceMs` to finish, then is stopped and handed back to the queue. */
  stop(graceMs: number): Promise<void>;
}
