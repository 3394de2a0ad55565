/**
 * A child task's batch or film, as the native task list and My videos show it: each child names its group
 * (`group: {kind, id}`), and the list carries each named group once (`groups`) with its name, progress, and the zip or
 * the film when made — so the studio folds an ad batch's 20 variants or a storyboard's shots under one entry.
 * Plain types with no runtime dependencies (web/src/api.ts imports them type-only).
 */
import type { BatchView } from './batches.js';
import type { StoryboardView } from './storyboards.js';

export type TaskGroupKind = 'batch' | 'storyboard';

/** Which group a task belongs to (null: none, an ordinary task). */
export interface TaskGroupRef {
  kind: TaskGroupKind;
  id: string;
  /** The child's place in its group (variant or shot index, from 0). */
  index: number;
}

export interface TaskGroup {
  kind: TaskGroupKind;
  id: string;
  /** The batch's name or the film's title. */
  title: string;
  subject: string;
  /** The batch's status (queued … partially_failed) or the storyboard's (queued … assembling … cancelled). */
  status: BatchView['status'] | StoryboardView['status'];
  progress: number;
  /** Variants or shots in all (not only those on this page of the list). */
  total: number;
  succeeded: number;
  failed: number;
  /** What the group delivers once made: the batch's zip (an attachment) or the assembled film (an MP4). */
  output: { kind: 'zip' | 'film'; url: string; bytes: number; poster_url: string | null } | null;
  created_at: number;
}

export function batchGroup(b: BatchView): TaskGroup {
  return {
    kind: 'batch', id: b.id, title: b.name, subject: b.product.subject, status: b.status, progress: b.progress,
    total: b.count, succeeded: b.counts.succeeded, failed: b.counts.failed + b.counts.cancelled,
    output: b.zip ? { kind: 'zip', url: b.zip.download_url, bytes: b.zip.bytes, poster_url: null } : null,
    created_at: b.created_at,
  };
}

export function storyboardGroup(s: StoryboardView): TaskGroup {
  return {
    kind: 'storyboard', id: s.id, title: s.title, subject: s.subject, status: s.status, progress: s.progress,
    total: s.shots.length, succeeded: s.shots.filter((x) => x.status === 'succeeded').length,
    failed: s.shots.filter((x) => x.status === 'failed' || x.status === 'cancelled').length,
    output: s.video ? { kind: 'film', url: s.video.url, bytes: s.video.bytes, poster_url: s.poster?.url ?? null } : null,
    created_at: s.created_at,
  };
}
