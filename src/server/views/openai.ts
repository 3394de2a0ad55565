/** A task as the OpenAI videos format shows it: seconds timestamps, status queued|in_progress|completed|failed. */
import type { TaskRow } from '../../core/repositories/tasks.repository.js';
import { parseParams } from '../../core/tasks/task-params.js';

export const OPENAI_STATUS = { queued: 'queued', running: 'in_progress', succeeded: 'completed', failed: 'failed', cancelled: 'failed' } as const;

export interface OpenAIVideo {
  id: string;
  object: 'video';
  model: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  error: { code: string; message: string } | null;
  prompt: string | null;
  remixed_from_video_id: string | null;
  seconds: string;
  size: string;
}

const s = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export function openaiVideo(task: TaskRow, urlTtlS: number): OpenAIVideo {
  const params = parseParams(task.params);
  return {
    id: task.id,
    object: 'video',
    model: task.model,
    status: OPENAI_STATUS[task.status],
    progress: task.progress,
    created_at: s(task.created_at)!,
    completed_at: task.status === 'succeeded' ? s(task.completed_at) : null,
    expires_at: task.status === 'succeeded' && task.completed_at ? s(task.completed_at)! + urlTtlS : null,
    error: task.error_code ? { code: task.error_code, message: task.error_message ?? '' } : null,
    prompt: task.prompt,
    remixed_from_video_id: task.remixed_from,
    seconds: params.seconds,
    size: params.size,
  };
}
