/**
 * The one way a task comes into being: `newTaskRow` builds the row (status queued, its price) and `enqueueTasks`
 * writes rows with their ledger reserves and queue rows in the caller's transaction. Single creates, ad-batch
 * children and storyboard shots all go through here, so workers, cancel, the ledger (capture on success, release
 * on failure, once) and the Tasks page treat every task alike; only admission (slots and credits, taken by the
 * caller in the same transaction) differs.
 */
import type { Capability, WireFormat } from '../db/schema.js';
import { newId } from '../ids.js';
import type { Q } from '../repositories/executor.js';
import { ledgerRepository } from '../repositories/ledger.repository.js';
import { queueRepository } from '../repositories/queue.repository.js';
import type { TaskRow } from '../repositories/tasks.repository.js';
import type { ClipShape } from '../providers/provider.js';
import type { TaskParams } from './task-params.js';

export interface TaskSpec {
  keyId: string;
  api: WireFormat;
  capability: Capability;
  /** The provider instance (its queue) and the model it runs. */
  provider: { name: string; model: string };
  prompt: string;
  negativePrompt?: string;
  params: TaskParams;
  price: number;
  externalTaskId?: string;
  callbackUrl?: string;
  remixedFrom?: string;
}

export function newTaskRow(spec: TaskSpec, now: number): TaskRow {
  return {
    id: newId('video'), key_id: spec.keyId, api: spec.api, capability: spec.capability, provider: spec.provider.name, model: spec.provider.model,
    prompt: spec.prompt, negative_prompt: spec.negativePrompt ?? null, params: JSON.stringify(spec.params),
    external_task_id: spec.externalTaskId ?? null, callback_url: spec.callbackUrl ?? null, remixed_from: spec.remixedFrom ?? null,
    status: 'queued', progress: 0, snapshot: null, error_code: null, error_message: null, price: spec.price, attempts: 0, cancel_requested: 0,
    meta: null, created_at: now, updated_at: now, started_at: null, completed_at: null, deleted_at: null,
  };
}

/** The delivered video's "WxH" at `outputSize` pixels across, keeping the clip's aspect (even sides for H.264). */
export function deliveredSize(shape: Pick<ClipShape, 'width' | 'height'>, outputSize: number): string {
  const width = Math.max(2, Math.round(outputSize / 2) * 2);
  const height = Math.max(2, Math.round((outputSize * shape.height) / shape.width / 2) * 2);
  return `${width}x${height}`;
}

/** Writes task rows with their reserves and queue rows (the caller has taken the slots and credits). */
export async function enqueueTasks(trx: Q, rows: TaskRow[], now: number): Promise<void> {
  for (let i = 0; i < rows.length; i += 50) await trx.insertInto('tasks').values(rows.slice(i, i + 50)).execute();
  for (const row of rows) {
    await ledgerRepository.record(trx, { key_id: row.key_id, task_id: row.id, kind: 'reserve', amount: -row.price, created_at: now });
    await queueRepository.enqueue(trx, row.id, row.provider, now);
  }
}
