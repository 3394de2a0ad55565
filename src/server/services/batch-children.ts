/**
 * A batch's child tasks are ordinary tasks: a task row (status queued, the batch's price), a ledger reserve and a
 * queue row each, written in the caller's transaction exactly as TasksService.create writes one task — so workers,
 * cancel, the ledger (capture on success, release on failure, once) and the Tasks page treat them like any other.
 * Only admission differs (see BatchesService.create).
 */
import type { Insertable } from 'kysely';
import type { TasksTable } from '../db/schema.js';
import { newId } from '../ids.js';
import type { Q } from '../repositories/executor.js';
import { ledgerRepository } from '../repositories/ledger.repository.js';
import { queueRepository } from '../repositories/queue.repository.js';
import type { TaskParams } from '../views/task-params.js';

export interface ChildSpec {
  keyId: string;
  provider: string;
  model: string;
  prompt: string;
  templateId: string;
  seed: number;
  steps?: number;
  outputSize: number;
  seconds: string;
  price: number;
}

export function childTaskRow(c: ChildSpec, now: number): Insertable<TasksTable> {
  const width = Math.max(2, Math.round(c.outputSize / 2) * 2);
  const params: TaskParams = {
    seed: c.seed, ...(c.steps !== undefined ? { steps: c.steps } : {}),
    output_size: c.outputSize, seconds: c.seconds, size: `${width}x${width}`, effect_scene: c.templateId,
  };
  return {
    id: newId('video'), key_id: c.keyId, api: 'native', capability: 'effects', provider: c.provider, model: c.model,
    prompt: c.prompt, negative_prompt: null, params: JSON.stringify(params), external_task_id: null, callback_url: null,
    remixed_from: null, status: 'queued', progress: 0, snapshot: null, error_code: null, error_message: null, price: c.price,
    attempts: 0, cancel_requested: 0, meta: null, created_at: now, updated_at: now, started_at: null, completed_at: null, deleted_at: null,
  };
}

/** Inserts child tasks with their reserves and queue rows (the caller has taken the slots and credits). */
export async function insertChildren(trx: Q, rows: Insertable<TasksTable>[], now: number): Promise<void> {
  for (let i = 0; i < rows.length; i += 50) await trx.insertInto('tasks').values(rows.slice(i, i + 50)).execute();
  for (const row of rows) {
    await ledgerRepository.record(trx, { key_id: row.key_id, task_id: row.id, kind: 'reserve', amount: -row.price, created_at: now });
    await queueRepository.enqueue(trx, row.id, row.provider, now);
  }
}
