/** The native API's request schemas (/api, the studio): every generation parameter. */
import { z } from 'zod';
import { plainText } from './text.js';
import type { NewTask } from '../services/tasks.service.js';

export const NativeCreateBody = z.strictObject({
  prompt: plainText(z.string().max(100_000)),
  negative_prompt: plainText(z.string().max(100_000)).optional(),
  model: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  steps: z.number().int().min(1).max(1000).optional(),
  guidance: z.number().min(0).max(100).nullable().optional(),
  shift: z.number().gt(0).max(100).optional(),
  scheduler: z.enum(['euler', 'heun']).optional(),
  size: z.number().int().min(16).max(1024).optional().describe('Pixels across of the delivered video (default 256)'),
  seconds: z.string().max(20).optional().describe('Clip length, one of the model\'s durations (GET /api/models); for an extension, the seconds added'),
  aspect_ratio: z.enum(['1:1', '16:9', '9:16']).optional().describe('One of the model\'s aspects; default: the picture\'s nearest, else the model\'s first'),
  image: z.string().max(16_000_000).optional().describe('The first frame: an http(s) URL, base64 or a data: URL of a PNG, JPEG or WebP'),
  last_image: z.string().max(16_000_000).optional().describe('The last frame, likewise'),
  extend: z.string().max(300).optional().describe('The id of one of your finished videos: the result is that video followed by `seconds` more'),
  external_task_id: plainText(z.string().min(1).max(256)).optional(),
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
    api: 'native', capability: b.extend !== undefined ? 'video-extend' : b.image !== undefined || b.last_image !== undefined ? 'image2video' : 'text2video',
    model: b.model, prompt: b.prompt, negativePrompt: b.negative_prompt,
    settings: { seed: b.seed, steps: b.steps, guidance: b.guidance, shift: b.shift, scheduler: b.scheduler },
    seconds: b.seconds, aspect: b.aspect_ratio, outputSize: b.size,
    image: b.image === undefined ? undefined : { text: b.image },
    lastImage: b.last_image === undefined ? undefined : { text: b.last_image },
    extend: b.extend === undefined ? undefined : { id: b.extend },
    externalTaskId: b.external_task_id, callbackUrl: b.callback_url, remixedFrom: b.remixed_from,
  };
}
