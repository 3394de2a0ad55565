/**
 * An ad-batch variant's task: an ordinary task (newTaskRow) whose params name the effect template, so workers,
 * cancel, the ledger and the Tasks page treat it like any other. Used for a batch's first children and for the
 * retries of a failed variant.
 */
import { deliveredSize, newTaskRow } from '../../core/tasks/task-row.js';
import type { Q } from '../../core/repositories/executor.js';
import { filesRepository } from '../../core/repositories/files.repository.js';
import type { TaskRow } from '../../core/repositories/tasks.repository.js';
import type { Aspect } from '../../core/providers/provider.js';
import { inputFileRows, type StoredInput } from '../../core/tasks/task-inputs.js';
import type { TaskParams } from '../../core/tasks/task-params.js';

export interface VariantSpec {
  keyId: string;
  provider: { name: string; model: string };
  prompt: string;
  templateId: string;
  /** The product as words, apart from the template (a remote with its own effects endpoint applies the template to it). */
  subject?: string;
  seed: number;
  steps?: number;
  outputSize: number;
  seconds: string;
  price: number;
  /** The aspect drawn natively, when the provider draws the variant's; absent: square, fitted at assembly. */
  aspect?: Aspect;
  /** The merchant's product image (stored once for the batch): every variant animates it. */
  image?: StoredInput;
}

export function variantTaskRow(c: VariantSpec, now: number): TaskRow {
  // Variants are fitted to their aspect ratio at assembly: a clip drawn at that aspect natively only gets scaled,
  // a square one (a provider that draws 1:1 only) is cropped.
  const [w, h] = (c.aspect ?? '1:1').split(':').map(Number) as [number, number];
  const params: TaskParams = {
    seed: c.seed, ...(c.steps !== undefined ? { steps: c.steps } : {}),
    output_size: c.outputSize, seconds: c.seconds, size: deliveredSize({ width: w, height: h }, c.outputSize), effect_scene: c.templateId,
    effect: { template: c.templateId, ...(c.subject ? { subject: c.subject } : {}) },
    ...(c.aspect ? { aspect: c.aspect, output_height: Number(deliveredSize({ width: w, height: h }, c.outputSize).split('x')[1]) } : {}),
    ...(c.image ? { inputs: { image: c.image.sha256 } } : {}),
  };
  return newTaskRow({ keyId: c.keyId, api: 'native', capability: 'effects', provider: c.provider, prompt: c.prompt, params, price: c.price }, now);
}

/** The file records that keep a variant's product image alive with its task (written in the caller's transaction). */
export async function insertVariantInputs(trx: Q, rows: TaskRow[], image: StoredInput | undefined, now: number): Promise<void> {
  if (!image) return;
  for (const row of rows) for (const file of inputFileRows(row, { image }, now)) await filesRepository.insert(trx, file);
}
