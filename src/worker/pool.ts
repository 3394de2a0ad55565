/**
 * The in-process worker pool (embedded mode): N loops per provider, each taking a task from the lease table,
 * running it and taking the next; idle loops sleep until a create wakes them or `pollMs` passes (which is also
 * how expired leases of crashed workers are found). `stop()` asks running jobs to stop, waits up to the grace
 * period, and gives unfinished leases back to the queue. Providers marked for preloading load when it starts
 * (the builtin model's weights), and `notReady()` says so until they have.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { TaskLifecycle } from '../core/tasks/task-lifecycle.js';
import { Waker } from '../core/services/wakeable-sleep.js';
import type { Metrics } from '../core/metrics.js';
import { runGenerateJob, type RunningJob } from './generate.handler.js';
import type { ProviderCallbacks } from '../core/providers/callbacks.js';
import type { Providers } from '../core/providers/catalog.js';
import type { Provider } from '../core/providers/provider.js';
import type { TaskRunner } from '../core/queue/task-runner.js';

export class WorkerPool implements TaskRunner {
  private readonly wakers = new Map<string, Waker[]>();
  private readonly running = new Map<string, RunningJob>();
  private readonly loops: Promise<void>[] = [];
  private active = false;
  readonly instance = randomBytes(4).toString('hex');
  private loading: string | null = null;

  constructor(
    private readonly providers: Providers,
    private readonly lifecycle: TaskLifecycle,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
    private readonly callbacks?: ProviderCallbacks,
  ) {}

  workersOf(provider: Provider): number {
    return this.providers.settings(provider.name).workers;
  }

  /** Null when every preloaded provider has loaded, else why not (the server's readyz). */
  notReady(): string | null {
    return this.loading;
  }

  start(): void {
    this.active = true;
    // Workers start at once; a provider that preloads (the builtin model) loads in the background and its workers
    // wait for it in their first generate().
    const preload = this.providers.all().filter((p) => p.preload !== false);
    this.loading = preload.length ? `loading ${preload.map((p) => p.model).join(', ')}` : null;
    Promise.all(preload.map((p) => p.start())).then(() => {
      this.loading = null;
    }, (err) => {
      this.loading = `a provider failed to load: ${(err as Error).message}`;
      this.log.error({ err }, 'a provider failed to load');
    });
    for (const provider of this.providers.all()) {
      const n = this.workersOf(provider);
      const wakers: Waker[] = [];
      for (let i = 0; i < n; i++) {
        const waker = new Waker();
        wakers.push(waker);
        this.loops.push(this.loop(provider, `${provider.name}-${this.instance}-${i}`, waker));
      }
      this.wakers.set(provider.name, wakers);
    }
  }

  /** Wakes one idle worker of a provider (they race for the row; losers sleep again). */
  wake(provider: string): void {
    for (const w of this.wakers.get(provider) ?? []) w.wake();
  }

  /** Stops a running task of this process at its next step (cancel). */
  abort(taskId: string): void {
    this.running.get(taskId)?.stop('cancel');
  }

  isRunning(taskId: string): boolean {
    return this.running.has(taskId);
  }

  private async loop(provider: Provider, owner: string, waker: Waker): Promise<void> {
    while (this.active) {
      let claimed;
      try {
        claimed = await this.lifecycle.claim(provider.name, owner);
      } catch (err) {
        this.log.error({ err }, 'taking a task failed');
      }
      if (!claimed) {
        await waker.sleep(this.config.queue.pollMs);
        continue;
      }
      const end = this.metrics.taskDuration.startTimer({ provider: provider.name });
      try {
        await runGenerateJob(claimed, provider, { lifecycle: this.lifecycle, config: this.config, log: this.log, callbacks: this.callbacks }, (job) => {
          this.running.set(job.claimed.task.id, job);
          if (!this.active) job.stop('shutdown');
          return () => this.running.delete(job.claimed.task.id);
        });
      } catch (err) {
        this.log.error({ err, task: claimed.task.id }, 'a job failed outside its handler');
      } finally {
        end();
      }
    }
  }

  /** Graceful stop: running jobs get `graceMs` to finish, then are stopped and their leases given back. */
  async stop(graceMs: number): Promise<void> {
    this.active = false;
    for (const ws of this.wakers.values()) for (const w of ws) w.wake();
    const all = Promise.all(this.loops);
    const timer = setTimeout(() => {
      for (const job of this.running.values()) job.stop('shutdown');
    }, graceMs);
    await all;
    clearTimeout(timer);
  }
}
