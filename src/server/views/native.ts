/** A task as the native API (/api, the studio) shows it: every parameter, the progress snapshot, the files. */
import type { FileRow } from '../../core/repositories/files.repository.js';
import type { TaskRow } from '../../core/repositories/tasks.repository.js';
import type { FilesService } from '../../core/services/files.service.js';
import { parseParams, type TaskParams } from '../../core/tasks/task-params.js';
import type { TaskGroup, TaskGroupRef } from './task-groups.js';

export interface NativeFile {
  id: string;
  kind: string;
  content_type: string;
  bytes: number;
  sha256: string;
  url: string;
}

export interface NativeTask {
  id: string;
  object: 'task';
  api: string;
  capability: string;
  model: string;
  provider: string;
  status: TaskRow['status'];
  progress: number;
  snapshot: { step: number; of: number; phase: string; elapsed_ms: number } | null;
  prompt: string;
  negative_prompt: string | null;
  params: TaskParams;
  external_task_id: string | null;
  callback_url: string | null;
  remixed_from: string | null;
  error: { code: string; message: string } | null;
  price: number;
  attempts: number;
  meta: Record<string, unknown> | null;
  files: NativeFile[];
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
}

/** GET /api/tasks: each task names its ad batch or storyboard (`group`), and the groups named come once each. */
export interface NativeTaskList {
  data: (NativeTask & { group: TaskGroupRef | null })[];
  has_more: boolean;
  last_id: string | null;
  groups: TaskGroup[];
}

export function nativeFile(f: FileRow, files: FilesService): NativeFile {
  return { id: f.id, kind: f.kind, content_type: f.content_type, bytes: f.bytes, sha256: f.sha256, url: files.signedUrl(f).url };
}

export function nativeTask(task: TaskRow, files: FileRow[], filesService: FilesService): NativeTask {
  return {
    id: task.id, object: 'task', api: task.api, capability: task.capability, model: task.model, provider: task.provider,
    status: task.status, progress: task.progress,
    snapshot: task.snapshot ? JSON.parse(task.snapshot) : null,
    prompt: task.prompt, negative_prompt: task.negative_prompt, params: parseParams(task.params),
    external_task_id: task.external_task_id, callback_url: task.callback_url, remixed_from: task.remixed_from,
    error: task.error_code ? { code: task.error_code, message: task.error_message ?? '' } : null,
    price: task.price, attempts: task.attempts, meta: task.meta ? JSON.parse(task.meta) : null,
    files: task.status === 'succeeded' ? files.map((f) => nativeFile(f, filesService)) : [],
    created_at: task.created_at, updated_at: task.updated_at, started_at: task.started_at, completed_at: task.completed_at,
  };
}
