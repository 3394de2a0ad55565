/**
 * The OpenAI videos wire format: request schemas and their mapping onto a task.
 * - model: sora-2, sora-2-pro (and other Sora names) map onto configured models (modelAliases; default: the default
 *   model); a model this server runs by its own name is taken as is.
 * - seconds ("4", "8", "12", or any length the model makes) must be one the model makes: else a 400 naming it.
 * - size "WxH": the aspect ratio nearest it (720x1280 → 9:16, 1792x1024 → 16:9, 512x512 → 1:1) must be one the model
 *   draws, and the video is delivered at exactly that size; a size far from every aspect is a 400.
 * - input_reference: a multipart file, or {image_url} (an http(s) URL or a base64 data: URL) — the first frame.
 * - extensions: {prompt, seconds, video: {id} or a file} — the video followed by `seconds` more.
 * Anything the model cannot make is a 400 that says what to send — never a silent change.
 */
import { z } from 'zod';
import { plainText } from './text.js';
import { errors } from '../../core/errors.js';
import type { Aspect } from '../../core/providers/provider.js';
import type { NewTask } from '../services/tasks.service.js';
import type { PictureSource, VideoSource } from '../services/inputs.service.js';

const isBuffer = (v: unknown): v is Buffer => Buffer.isBuffer(v);
export const ImageReference = z.strictObject({ image_url: z.string().max(16_000_000).optional(), file_id: z.string().max(200).optional() });
export const VideoReference = z.strictObject({ id: z.string().min(1).max(300) });

export const OpenAICreateBody = z.strictObject({
  prompt: plainText(z.string().max(100_000)).describe('What the video shows'),
  model: z.string().max(200).optional().describe('sora-2, sora-2-pro (mapped onto this server\'s models) or a model this server runs (GET /api/models); default: the first provider\'s'),
  seconds: z.union([z.string().max(20), z.number()]).optional().describe('"4", "8", "12" or any length the model makes (GET /api/models); default: the model\'s clip length'),
  size: z.string().max(40).optional().describe('WxH: 720x1280, 1280x720, 1024x1792, 1792x1024 or any even size near 16:9, 9:16 or 1:1 (default 256 across at the model\'s aspect)'),
  input_reference: z.union([z.custom<Buffer>(isBuffer, 'input_reference must be a file'), ImageReference]).optional()
    .describe('The first frame: a multipart file or {image_url} (http(s) URL or base64 data: URL) of a PNG, JPEG or WebP'),
  'input_reference[image_url]': z.string().max(16_000_000).optional(),
  'input_reference[file_id]': z.string().max(200).optional(),
}).meta({ id: 'OpenAIVideoCreate' });
export type OpenAICreateBody = z.infer<typeof OpenAICreateBody>;

export const OpenAIExtendBody = z.strictObject({
  prompt: plainText(z.string().max(100_000)).describe('What happens next'),
  seconds: z.union([z.string().max(20), z.number()]).optional().describe('Seconds to add (default: the model\'s clip length)'),
  video: z.union([z.custom<Buffer>(isBuffer, 'video must be a file'), VideoReference]).optional().describe('{id} of one of your completed videos, or an MP4 file'),
  'video[id]': z.string().min(1).max(300).optional(),
}).meta({ id: 'OpenAIVideoExtend' });
export type OpenAIExtendBody = z.infer<typeof OpenAIExtendBody>;

export const OpenAIRemixBody = z.strictObject({ prompt: plainText(z.string().max(100_000)) });
export const OpenAIListQuery = z.strictObject({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export const OpenAIContentQuery = z.strictObject({ variant: z.enum(['video', 'thumbnail', 'spritesheet']).default('video') });
export const VideoIdParams = z.strictObject({ id: z.string().max(300) });

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

const ASPECT_RATIOS: [Aspect, number][] = [['1:1', 1], ['16:9', 16 / 9], ['9:16', 9 / 16]];

/** "WxH" → the delivered size and the aspect drawn; a size no aspect is near → 400 with what we make. */
export function sizeOf(size: string | undefined): { width: number; height: number; aspect: Aspect } | undefined {
  if (size === undefined) return undefined;
  const m = /^(\d{2,4})x(\d{2,4})$/.exec(size);
  const w = m ? Number(m[1]) : NaN;
  const h = m ? Number(m[2]) : NaN;
  const refuse = (why: string) => errors.unsupported(`size "${size}" cannot be made: ${why}; pass 720x1280, 1280x720, 1024x1792, 1792x1024, a square such as 512x512, or leave size out`, 'size');
  if (!m || w < 64 || h < 64 || w > 1920 || h > 1920) throw refuse('each side must be from 64 to 1920 pixels');
  if (w % 2 !== 0 || h % 2 !== 0) throw refuse('both sides must be even (H.264)');
  // within 5 % of 1:1, 16:9 or 9:16 (1024x1792 is 4:7, drawn as 9:16 and scaled to exactly that size)
  const hit = ASPECT_RATIOS.find(([, r]) => Math.abs(Math.log(w / h / r)) < Math.log(1.05));
  if (!hit) throw refuse('the aspect ratio must be near 16:9, 9:16 or 1:1');
  return { width: w, height: h, aspect: hit[0] };
}

const FIELDS = { model: 'model', seconds: 'seconds', image: 'input_reference', lastFrame: 'input_reference', aspect: 'size', extend: 'video' };

/** input_reference as a picture source: a file, {image_url}, or the multipart form of it. */
function referenceOf(body: OpenAICreateBody): PictureSource | undefined {
  const ref = body.input_reference;
  if (isBuffer(ref)) return { bytes: ref };
  const fileId = (ref && !isBuffer(ref) ? ref.file_id : undefined) ?? body['input_reference[file_id]'];
  if (fileId !== undefined) throw errors.unsupported('input_reference.file_id is not available here; upload the image as input_reference or send {image_url}', 'input_reference.file_id');
  const url = ref && !isBuffer(ref) ? ref.image_url : body['input_reference[image_url]'];
  if (ref !== undefined && url === undefined) throw errors.invalid('input_reference needs image_url (or upload a file)', 'input_reference.image_url');
  if (url === undefined) return undefined;
  if (!url.trim()) throw errors.invalid('input_reference.image_url is empty; send an http(s) URL or a base64 data: URL of the image', 'input_reference.image_url');
  return { text: url };
}

/** The OpenAI videos API's `seconds` when a request leaves it out. */
export const OPENAI_DEFAULT_SECONDS = '4';

export function openaiNewTask(body: OpenAICreateBody): NewTask {
  const image = referenceOf(body);
  const size = sizeOf(body.size);
  return {
    api: 'openai',
    capability: image ? 'image2video' : 'text2video',
    model: body.model,
    prompt: body.prompt,
    settings: {},
    seconds: body.seconds === undefined ? undefined : String(body.seconds),
    defaultSeconds: OPENAI_DEFAULT_SECONDS,
    aspect: size?.aspect,
    outputSize: size?.width,
    outputHeight: size?.height,
    image,
    fields: { ...FIELDS, image: image && 'text' in image ? 'input_reference.image_url' : 'input_reference' },
  };
}

export function openaiExtendTask(body: OpenAIExtendBody): NewTask {
  const id = (body.video && !isBuffer(body.video) ? body.video.id : undefined) ?? body['video[id]'];
  const video: VideoSource | undefined = isBuffer(body.video) ? { bytes: body.video } : id !== undefined ? { id } : undefined;
  if (!video) throw errors.invalid('video is required: {"id": "<one of your completed videos>"} or an MP4 file', 'video');
  return {
    api: 'openai', capability: 'video-extend', prompt: body.prompt, settings: {},
    seconds: body.seconds === undefined ? undefined : String(body.seconds),
    extend: video, fields: FIELDS,
  };
}
