/** The ad batch API's request schemas (/api/batches). */
import { z } from 'zod';
import { plainText } from './text.js';
import { ASPECT_RATIOS } from '../../media/aspect.js';

/** Variants one batch may ask for. */
export const MAX_BATCH_VARIANTS = 500;

export const BatchCreateBody = z.strictObject({
  name: plainText(z.string().trim().min(1).max(80)).describe('The product name, first in every caption'),
  product: z.strictObject({
    subject: plainText(z.string().max(200)).optional().describe('The product as a phrase the model knows, e.g. "a red apple"'),
    image: z.string().max(16_000_000).optional().describe('A product image (http(s) URL, base64 or data: URL of a PNG, JPEG or WebP): every variant starts from it'),
  }).describe('The product: a subject, an image, or both'),
  selling_points: z.array(plainText(z.string().trim().min(1).max(100))).max(10).default([]).describe('Caption lines, taken in turn: "<name> — <point>"'),
  templates: z.array(z.string().min(1).max(64)).min(1).max(50).describe('Effect template ids or aliases (GET /api/effects)'),
  aspect_ratios: z.array(z.enum(ASPECT_RATIOS)).min(1).max(3).default(['9:16', '1:1', '16:9']),
  count: z.number().int().min(1).max(MAX_BATCH_VARIANTS).describe(`Variants to make (1–${MAX_BATCH_VARIANTS}): templates × aspect ratios × seeds, in that order`),
  captions: z.enum(['burned', 'subtitles']).default('burned').describe('burned: drawn into the video; subtitles: a .srt beside each video'),
  model: z.string().max(200).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional().describe('Variant i gets seed + i (random when absent)'),
  steps: z.number().int().min(1).max(1000).optional(),
  max_retries: z.number().int().min(0).max(5).default(2).describe('New attempts a variant gets after a retryable failure (a crashed worker, a transient error)'),
}).meta({ id: 'AdBatchCreate' });

export type BatchRequest = z.infer<typeof BatchCreateBody>;

export const BatchListQuery = z.strictObject({
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
