/** The native API's request schemas (/api, the studio): every generation parameter. */
import { z } from 'zod';
import type { NewTask } from '../services/tasks.service.js';

export const NativeCreateBody = z.strictObject({
  prompt: z.string().max(100_000),
  negative_prompt: z.string().max(100_000).optional(),
  model: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  steps: z.number().int().min(1).max(1000).optional(),
  guidance: z.number().min(0).max(100).nullable().optional(),
  shift: z.number().gt(0).max(100).optional(),
  scheduler: z.enum(['euler', 'heun']).optional(),
  size: z.number().int().min(16).max(1024).optional().describe('Pixels across of the delivered video (default 256)'),
  seconds: z.string().max(20).optional(),
  external_task_id: z.string().min(1).max(256).optional(),
  callback_url: z.string().max(4096).optional(),
  remixed_from: z.string().max(300).optional().describe('A published (or your own) finished video this task remixes'),
}).meta({ id: 'NativeTaskCreate' });

export const NativeListQuery = z.strictObject({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export const IdParams = z.strictObject({ id: z.string().max(300) });
export const LimitQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export const SignedFileQuery = z.strictObject({ exp: z.coerce.number().int(), sig: z.string().max(200) });
export const WebhookCreateBody = z.strictObject({
  url: z.string().max(4096),
  events: z.array(z.enum(['video.completed', 'video.failed'])).min(1).default(['video.completed', 'video.failed']),
});
export const DeliveriesQuery = z.strictObject({ task_id: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

export function nativeNewTask(b: z.infer<typeof NativeCreateBody>): NewTask {
  return {
    api: 'native', capability: 'text2video', model: b.model, prompt: b.prompt, negativePrompt: b.negative_prompt,
    settings: { seed: b.seed, steps: b.steps, guidance: b.guidance, shift: b.shift, scheduler: b.scheduler },
    seconds: b.seconds, outputSize: b.size, externalTaskId: b.external_task_id, callbackUrl: b.callback_url,
    remixedFrom: b.remixed_from,
  };
}
