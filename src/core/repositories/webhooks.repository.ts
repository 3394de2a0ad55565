/** Webhook endpoints, deliveries (the outbox: written in the same transaction as the status change) and attempts. */
import type { Insertable, Selectable } from 'kysely';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../db/schema.js';
import type { Q } from './executor.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

export const webhooksRepository = {
  insertEndpoint: (q: Q, row: Insertable<WebhookEndpointsTable>) => q.insertInto('webhook_endpoints').values(row).execute(),
  endpoints: (q: Q, keyId: string) =>
    q.selectFrom('webhook_endpoints').selectAll().where('key_id', '=', keyId).where('deleted_at', 'is', null).orderBy('created_at').execute(),
  endpoint: (q: Q, keyId: string, id: string) =>
    q.selectFrom('webhook_endpoints').selectAll().where('key_id', '=', keyId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst(),
  endpointById: (q: Q, id: string) => q.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst(),
  deleteEndpoint: (q: Q, id: string, now: number) => q.updateTable('webhook_endpoints').set({ deleted_at: now }).where('id', '=', id).execute(),
  insertDelivery: (q: Q, row: Insertable<WebhookDeliveriesTable>) => q.insertInto('webhook_deliveries').values(row).execute(),
  due: (q: Q, now: number, limit: number) =>
    q.selectFrom('webhook_deliveries').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at').limit(limit).execute(),
  /** Claims a due delivery by pushing its next attempt out (a crash mid-attempt retries it after `leaseMs`). */
  claim: async (q: Q, id: string, now: number, leaseMs: number): Promise<boolean> => {
    const r = await q.updateTable('webhook_deliveries').set({ next_attempt_at: now + leaseMs })
      .where('id', '=', id).where('status', '=', 'pending').where('next_attempt_at', '<=', now).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  updateDelivery: (q: Q, id: string, set: Partial<Insertable<WebhookDeliveriesTable>>) =>
    q.updateTable('webhook_deliveries').set(set).where('id', '=', id).execute(),
  insertAttempt: (q: Q, row: { delivery_id: string; attempt: number; started_at: number; duration_ms: number; status_code: number | null; error: string | null }) =>
    q.insertInto('webhook_attempts').values(row).execute(),
  deliveries: (q: Q, keyId: string, opts: { taskId?: string; limit: number }) => {
    let query = q.selectFrom('webhook_deliveries').selectAll().where('key_id', '=', keyId);
    if (opts.taskId) query = query.where('task_id', '=', opts.taskId);
    return query.orderBy('created_at', 'desc').limit(opts.limit).execute();
  },
  deliveryById: (q: Q, id: string) => q.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst(),
  delivery: (q: Q, keyId: string, id: string) =>
    q.selectFrom('webhook_deliveries').selectAll().where('key_id', '=', keyId).where('id', '=', id).executeTakeFirst(),
  attempts: (q: Q, deliveryId: string) =>
    q.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute(),
};
