/**
 * The OpenAI videos wire format: request schemas and their mapping onto a task. `seconds` must be the duration the
 * model makes (kineo-mini: "2"); `size` must be square ("256x256"…), since the model draws square clips that are
 * upscaled on output; anything else is a 400 that says what to send — never a silent change.
 */
import { z } from 'zod';
import { errors } from '../../core/errors.js';
import type { NewTask } from '../services/tasks.service.js';

export const ImageReference = z.strictObject({ image_url: z.string().max(16_000_000).optional(), file_id: z.string().max(200).optional() });

export const OpenAICreateBody = z.strictObject({
  prompt: z.string().max(100_000).describe('What the video shows'),
  model: z.string().max(200).optional().describe('a model this server runs (GET /api/models); default: the first provider\'s'),
  seconds: z.union([z.string().max(20), z.number()]).optional().describe('Must be the model\'s clip length: "2" for kineo-mini'),
  size: z.string().max(40).optional().describe('Square WxH from 64x64 to 1024x1024 (default 256x256)'),
  input_reference: z.union([z.custom<Buffer>((v) => Buffer.isBuffer(v), 'input_reference must be a file'), ImageReference]).optional()
    .describe('An image to start from (multipart file or {image_url}); not supported by kineo-mini yet'),
  'input_reference[image_url]': z.string().max(16_000_000).optional(),
  'input_reference[file_id]': z.string().max(200).optional(),
}).meta({ id: 'OpenAIVideoCreate' });
export type OpenAICreateBody = z.infer<typeof OpenAICreateBody>;

export const OpenAIRemixBody = z.strictObject({ prompt: z.string().max(100_000) });
export const OpenAIListQuery = z.strictObject({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export const OpenAIContentQuery = z.strictObject({ variant: z.enum(['video', 'thumbnail', 'spritesheet']).default('video') });
export const VideoIdParams = z.strictObject({ id: z.string().max(200) });

export const OpenAIVideoSchema = z.object({
  id: z.string(),
  object: z.literal('video'),
  model: z.string(),
  status: z.enum(['queued', 'in_progress', 'completed', 'failed']),
  progress: z.number(),
  created_at: z.number(),
  completed_at: z.number().nullable(),
  expires_at: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  prompt: z.string().nullable(),
  remixed_from_video_id: z.string().nullable(),
  seconds: z.string(),
  size: z.string(),
}).meta({ id: 'OpenAIVideo' });

/** "NxN" → N pixels across; other sizes → 400 with what we can make. */
export function outputSizeOf(size: string | undefined): number | undefined {
  if (size === undefined) return undefined;
  const m = /^(\d{2,4})x(\d{2,4})$/.exec(size);
  const w = m ? Number(m[1]) : NaN;
  if (!m || w !== Number(m[2]) || w < 64 || w > 1024 || w % 2 !== 0) {
    throw errors.unsupported(`size "${size}" cannot be made: the model draws square clips (upscaled on output); pass a square even size from "64x64" to "1024x1024", e.g. "256x256", or leave size out`, 'size');
  }
  return w;
}

export function openaiNewTask(body: OpenAICreateBody): NewTask {
  const hasImage = body.input_reference !== undefined || body['input_reference[image_url]'] !== undefined || body['input_reference[file_id]'] !== undefined;
  return {
    api: 'openai',
    capability: hasImage ? 'image2video' : 'text2video',
    model: body.model,
    prompt: body.prompt,
    settings: {},
    seconds: body.seconds === undefined ? undefined : String(body.seconds),
    outputSize: outputSizeOf(body.size),
    hasImage,
    fields: { model: 'model', seconds: 'seconds', image: 'input_reference' },
  };
}
