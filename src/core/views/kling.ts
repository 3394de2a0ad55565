/** A task as the Kling wire format shows it (DESIGN.md §4): ms timestamps, string durations, videos[{id,url,duration}]. */
import type { FileRow } from '../repositories/files.repository.js';
import type { TaskRow } from '../repositories/tasks.repository.js';
import type { FilesService } from '../services/files.service.js';
import { parseParams } from '../tasks/task-params.js';

export const KLING_STATUS = { queued: 'submitted', running: 'processing', succeeded: 'succeed', failed: 'failed', cancelled: 'failed' } as const;

export interface KlingTask {
  task_id: string;
  task_status: 'submitted' | 'processing' | 'succeed' | 'failed';
  task_status_msg: string;
  task_info: { external_task_id?: string };
  created_at: number;
  updated_at: number;
  task_result: { videos: { id: string; url: string; duration: string }[] };
}

export function klingTask(task: TaskRow, files: FileRow[], filesService: FilesService): KlingTask {
  const params = parseParams(task.params);
  const video = task.status === 'succeeded' ? files.find((f) => f.kind === 'video') : undefined;
  return {
    task_id: task.id,
    task_status: KLING_STATUS[task.status],
    task_status_msg: task.error_message ?? '',
    task_info: task.external_task_id ? { external_task_id: task.external_task_id } : {},
    created_at: task.created_at,
    updated_at: task.updated_at,
    task_result: { videos: video ? [{ id: video.id, url: filesService.signedUrl(video).url, duration: params.seconds }] : [] },
  };
}
