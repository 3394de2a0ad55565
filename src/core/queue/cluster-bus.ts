/**
 * Live progress and cancel requests between processes (scale-out) over Redis pub/sub. Workers forward every
 * snapshot their local ProgressBus publishes; servers relay them to their SSE streams. A cancel asked on any
 * server reaches the worker that runs the task at its next step. Pub/sub may drop messages while Redis restarts:
 * that costs a preview frame or a prompt stop, never state — the database holds the snapshot and the cancel flag
 * (a worker also sees the flag at its next lease renewal). A remote provider's callback reaches the worker that
 * polls it the same way (lost, the poll comes at its usual time).
 */
import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { ProgressBus, ProgressSnapshot } from '../services/progress-bus.js';
import { callbackChannel, cancelChannel, progressChannel } from './names.js';

export class ClusterBus {
  private readonly pub: Redis;
  private readonly sub: Redis;

  constructor(private readonly config: Config, private readonly log: FastifyBaseLogger) {
    const options = { maxRetriesPerRequest: null, lazyConnect: false };
    this.pub = new Redis(config.redis.url, options);
    this.sub = new Redis(config.redis.url, options);
    for (const c of [this.pub, this.sub]) c.on('error', (err) => this.log.debug({ err: err.message }, 'redis pub/sub connection error (reconnecting)'));
  }

  /** Worker side: every local snapshot also goes to the servers. */
  forwardFrom(bus: ProgressBus): void {
    bus.onPublish((s) => {
      this.pub.publish(progressChannel(this.config.redis.prefix), JSON.stringify(s)).catch(() => undefined);
    });
  }

  /** Server side: snapshots from workers reach this process's SSE streams. */
  async relayTo(bus: ProgressBus): Promise<void> {
    const channel = progressChannel(this.config.redis.prefix);
    await this.sub.subscribe(channel);
    this.sub.on('message', (ch, message) => {
      if (ch !== channel) return;
      try {
        bus.publish(JSON.parse(message) as ProgressSnapshot, { local: true });
      } catch {
        /* a malformed message is ignored */
      }
    });
  }

  /** Worker side: cancel requests for tasks this process runs. */
  async onCancel(abort: (taskId: string) => void): Promise<void> {
    const channel = cancelChannel(this.config.redis.prefix);
    await this.sub.subscribe(channel);
    this.sub.on('message', (ch, taskId) => {
      if (ch === channel) abort(taskId);
    });
  }

  /** Worker side: a remote called back about a task (its poll, if this process runs it, happens now). */
  async onCallback(notify: (taskId: string) => void): Promise<void> {
    const channel = callbackChannel(this.config.redis.prefix);
    await this.sub.subscribe(channel);
    this.sub.on('message', (ch, taskId) => {
      if (ch === channel) notify(taskId);
    });
  }

  /** Server side: a remote's callback came here; the worker running the task polls at once. */
  callback(taskId: string): void {
    this.pub.publish(callbackChannel(this.config.redis.prefix), taskId).catch(() => undefined);
  }

  cancel(taskId: string): void {
    this.pub.publish(cancelChannel(this.config.redis.prefix), taskId).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    this.pub.disconnect();
  }
}
