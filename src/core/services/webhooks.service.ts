/**
 * Webhooks, the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC>), signed
 * with the `standardwebhooks` library. Deliveries are an outbox: written in the same transaction as the task's
 * status change, then sent by a dispatcher loop that retries with exponential backoff (~29 h by default) and records
 * every attempt. Kling `callback_url`s get the Kling task on every status change; registered endpoints get
 * `video.completed` / `video.failed`.
 */
import type { Readable } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import type { Db } from '../db/database.js';
import type { TaskRow } from '../repositories/tasks.repository.js';
import type { FileRow } from '../repositories/files.repository.js';
import type { Q } from '../repositories/executor.js';
import { keysRepository } from '../repositories/keys.repository.js';
import { webhooksRepository, type DeliveryRow } from '../repositories/webhooks.repository.js';
import type { ServerKey } from '../repositories/server-key.js';
import { ApiError, errors } from '../errors.js';
import { newId } from '../ids.js';
import { klingTask } from '../views/kling.js';
import type { FilesService } from './files.service.js';
import type { UrlGuard } from './url-guard.js';
import type { Metrics } from '../metrics.js';
import { Waker } from './wakeable-sleep.js';

export const WEBHOOK_EVENTS = ['video.completed', 'video.failed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The wait before retry n (n ≥ 1): base · 2^(n−1), at most backoffMaxMs. */
export function backoffDelayMs(config: Pick<Config['webhooks'], 'backoffBaseMs' | 'backoffMaxMs'>, n: number): number {
  return Math.min(config.backoffBaseMs * 2 ** (n - 1), config.backoffMaxMs);
}

export class WebhooksService {
  private readonly waker = new Waker();
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly serverKey: ServerKey,
    private readonly files: FilesService,
    private readonly guard: UrlGuard,
    private readonly config: Config['webhooks'],
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
  ) {}

  // --- endpoints -------------------------------------------------------------------------------------------------

  async createEndpoint(keyId: string, url: string, events: WebhookEvent[]) {
    await this.guard.check(url, 'url');
    const secret = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64')}`;
    const row = { id: newId('we'), key_id: keyId, url, secret_enc: this.serverKey.encrypt(secret), events: JSON.stringify(events), created_at: Date.now(), deleted_at: null };
    await webhooksRepository.insertEndpoint(this.db, row);
    return { id: row.id, url, events, secret, created_at: row.created_at };
  }

  async listEndpoints(keyId: string) {
    const rows = await webhooksRepository.endpoints(this.db, keyId);
    return rows.map((r) => ({ id: r.id, url: r.url, events: JSON.parse(r.events) as string[], created_at: r.created_at }));
  }

  async deleteEndpoint(keyId: string, id: string): Promise<void> {
    const row = await webhooksRepository.endpoint(this.db, keyId, id);
    if (!row) throw errors.notFound(`webhook endpoint ${id}`);
    await webhooksRepository.deleteEndpoint(this.db, id, Date.now());
  }

  async deliveries(keyId: string, opts: { taskId?: string; limit: number }) {
    return (await webhooksRepository.deliveries(this.db, keyId, opts)).map(deliveryView);
  }

  async delivery(keyId: string, id: string) {
    const row = await webhooksRepository.delivery(this.db, keyId, id);
    if (!row) throw errors.notFound(`webhook delivery ${id}`);
    const attempts = await webhooksRepository.attempts(this.db, id);
    return { ...deliveryView(row), attempt_log: attempts.map((a) => ({ attempt: a.attempt, started_at: a.started_at, duration_ms: a.duration_ms, status_code: a.status_code, error: a.error })) };
  }

  // --- the outbox ------------------------------------------------------------------------------------------------

  /** Records the deliveries a task's new status calls for, inside the caller's transaction. */
  async enqueueForTask(q: Q, task: TaskRow, files: FileRow[]): Promise<number> {
    const now = Date.now();
    let n = 0;
    const add = async (url: string, event: string, endpointId: string | null, payload: unknown) => {
      await webhooksRepository.insertDelivery(q, {
        id: newId('msg'), key_id: task.key_id, endpoint_id: endpointId, task_id: task.id, url, event,
        payload: JSON.stringify(payload), status: 'pending', attempts: 0, next_attempt_at: now, last_error: null, created_at: now, updated_at: now,
      });
      n++;
    };
    if (task.callback_url) await add(task.callback_url, `task.${task.status}`, null, klingTask(task, files, this.files));
    const event: WebhookEvent | undefined = task.status === 'succeeded' ? 'video.completed' : task.status === 'failed' || task.status === 'cancelled' ? 'video.failed' : undefined;
    if (event) {
      for (const ep of await webhooksRepository.endpoints(q, task.key_id)) {
        if (!(JSON.parse(ep.events) as string[]).includes(event)) continue;
        await add(ep.url, event, ep.id, { id: newId('evt'), object: 'event', type: event, created_at: Math.floor(now / 1000), data: { id: task.id } });
      }
    }
    return n;
  }

  wake(): void {
    this.waker.wake();
    this.onWake?.();
  }

  /** Scale-out: deliveries go out through the BullMQ 'webhook' queue; a new one kicks its dispatcher. */
  onWake: (() => void) | undefined;

  /** Due deliveries (the reconciler hands them to the 'webhook' queue): id and attempt count. */
  async due(limit: number): Promise<{ id: string; attempts: number }[]> {
    return (await webhooksRepository.due(this.db, Date.now(), limit)).map((d) => ({ id: d.id, attempts: d.attempts }));
  }

  /** One attempt of one delivery, if it is still due and nobody else claimed it (a webhook job's handler). */
  async deliverDue(id: string): Promise<boolean> {
    const d = await webhooksRepository.deliveryById(this.db, id);
    if (!d || d.status !== 'pending') return false;
    if (!(await webhooksRepository.claim(this.db, d.id, Date.now(), this.config.timeoutMs * 2))) return false;
    await this.send(d);
    return true;
  }

  // --- the dispatcher ---------------------------------------------------------------------------------------------

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.waker.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const due = await webhooksRepository.due(this.db, Date.now(), 16);
        for (const d of due) {
          if (!(await webhooksRepository.claim(this.db, d.id, Date.now(), this.config.timeoutMs * 2))) continue;
          const p = this.send(d).finally(() => this.inFlight.delete(p));
          this.inFlight.add(p);
        }
        if (due.length === 16) continue;
      } catch (err) {
        this.log.error({ err }, 'webhook dispatcher failed a round');
      }
      await this.waker.sleep(this.config.pollMs);
    }
  }


  private async secretFor(d: DeliveryRow): Promise<string> {
    if (d.endpoint_id) {
      const ep = await webhooksRepository.endpointById(this.db, d.endpoint_id);
      if (ep) return this.serverKey.decrypt(ep.secret_enc);
    }
    const key = await keysRepository.byId(this.db, d.key_id);
    if (!key) throw new Error(`the key of delivery ${d.id} is gone`);
    return this.serverKey.decrypt(key.webhook_secret_enc);
  }

  private async send(d: DeliveryRow): Promise<void> {
    const attempt = d.attempts + 1;
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    // A URL the guard refuses now (its host has come to resolve to a private address) is refused on every later
    // attempt too: the delivery fails at once instead of retrying for a day.
    let refused = false;
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    try {
      const secret = await this.secretFor(d);
      const ts = new Date();
      const signature = new Webhook(secret).sign(d.id, ts, d.payload);
      const res = await this.guard.request(d.url, 'url', {
        method: 'POST',
        headers: {
          'content-type': 'application/json', 'user-agent': 'Kineo-Webhooks/1',
          'webhook-id': d.id, 'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)), 'webhook-signature': signature,
        },
        body: d.payload,
        signal,
      });
      statusCode = res.status;
      // Only the status matters: read at most a few KiB of the answer, then drop the connection (a receiver that
      // answers with gigabytes costs nothing).
      await drain(res.body, ANSWER_BYTES_READ);
      if (res.status < 200 || res.status >= 300) error = `the receiver answered HTTP ${res.status}`;
    } catch (err) {
      refused = err instanceof ApiError && err.code === 'url_not_allowed';
      error = signal.aborted ? `no answer within ${this.config.timeoutMs} ms` : err instanceof Error ? err.message : String(err);
    }
    const now = Date.now();
    const ok = error === null;
    const giveUp = !ok && (refused || attempt >= this.config.maxAttempts);
    await this.db.transaction().execute(async (trx) => {
      await webhooksRepository.insertAttempt(trx, { delivery_id: d.id, attempt, started_at: started, duration_ms: now - started, status_code: statusCode, error });
      await webhooksRepository.updateDelivery(trx, d.id, {
        attempts: attempt, updated_at: now, last_error: error,
        status: ok ? 'succeeded' : giveUp ? 'failed' : 'pending',
        next_attempt_at: ok || giveUp ? null : now + backoffDelayMs(this.config, attempt),
      });
    });
    this.metrics.webhookAttempts.inc({ result: ok ? 'ok' : 'error' });
    if (!ok) this.log.warn({ delivery: d.id, attempt, error }, giveUp ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry');
  }
}

/** How much of a receiver's answer is read (and thrown away) before the connection is dropped. */
const ANSWER_BYTES_READ = 4096;

/** Reads up to `most` bytes of a stream, then destroys it. */
async function drain(body: Readable, most: number): Promise<void> {
  let seen = 0;
  try {
    for await (const chunk of body) {
      seen += (chunk as Buffer).byteLength;
      if (seen >= most) break;
    }
  } catch {
    // the answer's body is not needed; an error reading it changes nothing
  } finally {
    body.destroy();
  }
}

function deliveryView(r: DeliveryRow) {
  return {
    id: r.id, event: r.event, url: r.url, task_id: r.task_id, endpoint_id: r.endpoint_id, status: r.status,
    attempts: r.attempts, next_attempt_at: r.next_attempt_at, last_error: r.last_error, created_at: r.created_at, updated_at: r.updated_at,
    payload: JSON.parse(r.payload) as unknown,
  };
}
