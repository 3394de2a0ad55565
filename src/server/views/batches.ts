/** The combined progress document of an ad batch (GET /api/batches/{id}) and its list summary. */
import { ACTIVE_BATCH, type BatchRow, type BatchStatus, type VariantWithTask } from '../../core/repositories/batches.repository.js';

export type VariantStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface BatchVariantView {
  index: number;
  template: string;
  aspect_ratio: string;
  seed: number;
  caption: string;
  prompt: string;
  task_id: string;
  /** Child tasks made for this variant (1 + retries). */
  attempts: number;
  status: VariantStatus;
  progress: number;
  error: { code: string; message: string } | null;
  /** The generated (square) clip, when done; the variant as delivered is in the zip. */
  file_id: string | null;
  video_url: string | null;
}

export interface BatchSummary {
  id: string;
  object: 'batch';
  name: string;
  product: { subject: string };
  status: BatchStatus;
  progress: number;
  count: number;
  counts: Record<VariantStatus, number> & { retries: number };
  model: string;
  created_at: number;
  completed_at: number | null;
}

export interface BatchView extends BatchSummary {
  selling_points: string[];
  templates: string[];
  aspect_ratios: string[];
  captions: string;
  max_retries: number;
  price_per_clip: number;
  estimated_cost: number;
  unknown_words: string[];
  assembled: number;
  zip: { file_id: string; url: string; download_url: string; bytes: number } | null;
  error: { code: string; message: string } | null;
  variants: BatchVariantView[];
  updated_at: number;
}

/** A variant's status as the user sees it: its own when settled, else its current task's. */
export function variantStatus(v: VariantWithTask, batch: BatchStatus): VariantStatus {
  if (v.status !== 'active') return v.status as VariantStatus;
  switch (v.task_status) {
    case 'running':
    case 'succeeded':
    case 'cancelled':
      return v.task_status;
    case 'failed':
      // About to be retried or settled while the batch runs; as it is once the batch stopped (cancelled).
      return ACTIVE_BATCH.includes(batch) ? 'queued' : 'failed';
    default:
      return 'queued';
  }
}

export const videoFileIdOf = (taskId: string) => `file_${taskId.replace(/^video_/, '')}_video`;

function summarize(b: BatchRow, variants: VariantWithTask[]): { summary: BatchSummary; views: Omit<BatchVariantView, 'video_url'>[] } {
  const counts: BatchSummary['counts'] = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, retries: 0 };
  let sum = 0;
  const views = variants.map((v) => {
    const status = variantStatus(v, b.status as BatchStatus);
    counts[status]++;
    counts.retries += v.attempts - 1;
    const progress = status === 'queued' || status === 'running' ? (v.task_progress ?? 0) : 100;
    sum += progress;
    const error = status === 'failed' || status === 'cancelled'
      ? { code: v.error_code ?? v.task_error_code ?? status, message: v.error_message ?? v.task_error_message ?? `the variant was ${status}` } : null;
    return {
      index: v.idx, template: v.template, aspect_ratio: v.aspect_ratio, seed: v.seed, caption: v.caption, prompt: v.prompt,
      task_id: v.task_id, attempts: v.attempts, status, progress, error, file_id: status === 'succeeded' ? videoFileIdOf(v.task_id) : null,
    };
  });
  const status = b.status as BatchStatus;
  // Generation is the first 90 %, assembly (rendering each delivered clip and zipping) the last 10 %.
  const generated = variants.length ? sum / variants.length : 0;
  let progress = Math.floor(0.9 * generated);
  if (status === 'assembling') progress = 90 + Math.floor((10 * b.assembled) / Math.max(1, counts.succeeded));
  if (status === 'succeeded' || status === 'partially_failed' || status === 'failed') progress = 100;
  return {
    summary: {
      id: b.id, object: 'batch', name: b.name, product: { subject: b.subject }, status, progress: Math.min(100, progress),
      count: b.count, counts, model: b.model, created_at: b.created_at, completed_at: b.completed_at,
    },
    views,
  };
}

export function batchSummary(b: BatchRow, variants: VariantWithTask[]): BatchSummary {
  return summarize(b, variants).summary;
}

export function batchView(
  b: BatchRow, variants: VariantWithTask[], unknownWords: string[],
  signed: (fileId: string) => string, zip: { bytes: number } | undefined,
): BatchView {
  const { summary, views } = summarize(b, variants);
  return {
    ...summary,
    selling_points: JSON.parse(b.selling_points) as string[], templates: JSON.parse(b.templates) as string[],
    aspect_ratios: JSON.parse(b.aspect_ratios) as string[], captions: b.captions, max_retries: b.max_retries,
    price_per_clip: b.price_per_clip, estimated_cost: b.count * b.price_per_clip, unknown_words: unknownWords, assembled: b.assembled,
    zip: b.zip_file_id && zip
      ? { file_id: b.zip_file_id, url: signed(b.zip_file_id), download_url: `/api/batches/${b.id}/zip`, bytes: zip.bytes } : null,
    error: b.error_code ? { code: b.error_code, message: b.error_message ?? b.error_code } : null,
    variants: views.map((v) => ({ ...v, video_url: v.file_id ? signed(v.file_id) : null })),
    updated_at: b.updated_at,
  };
}

/** What a batch would cost and make (POST /api/batches/estimate); nothing is created. */
export interface BatchEstimate {
  count: number;
  templates: string[];
  aspect_ratios: string[];
  model: string;
  clip_seconds: string;
  price_per_clip: number;
  total_credits: number;
  balance: number;
  affordable: boolean;
  unknown_words: string[];
  sample_captions: string[];
}
