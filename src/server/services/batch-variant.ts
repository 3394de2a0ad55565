/**
 * An ad-batch variant's task: an ordinary task (newTaskRow) whose params name the effect template, so workers,
 * cancel, the ledger and the Tasks page treat it like any other. Used for a batch's first children and for the
 * retries of a failed variant.
 */
import { deliveredSize, newTaskRow } from '../../core/tasks/task-row.js';
import type { TaskRow } from '../../core/repositories/tasks.repository.js';
import type { TaskParams } from '../../core/tasks/task-params.js';

export interface VariantSpec {
  keyId: string;
  provider: { name: string; model: string };
  prompt: string;
  templateId: string;
  seed: number;
  steps?: number;
  outputSize: number;
  seconds: string;
  price: number;
}

export function variantTaskRow(c: VariantSpec, now: number): TaskRow {
  // Variants are fitted to their aspect ratio at assembly; the clip itself is delivered square.
  const params: TaskParams = {
    seed: c.seed, ...(c.steps !== undefined ? { steps: c.steps } : {}),
    output_size: c.outputSize, seconds: c.seconds, size: deliveredSize({ width: 1, height: 1 }, c.outputSize), effect_scene: c.templateId,
  };
  return newTaskRow({ keyId: c.keyId, api: 'native', capability: 'effects', provider: c.provider, prompt: c.prompt, params, price: c.price }, now);
}
