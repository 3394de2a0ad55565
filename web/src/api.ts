/** The studio's client of the native API: same-origin cookie session, the CSRF token on every change. */
import { getT } from './i18n';

let csrf: string | null = null;

export class ApiFailure extends Error {
  /** `param`: the request field the error is about (native error bodies name it), to show the message next to it. */
  constructor(readonly status: number, message: string, readonly code?: string, readonly param?: string | null) {
    super(message);
  }
}

/** What a person reads when the server cannot be reached at all (fetch's own "TypeError: Failed to fetch" says nothing). */
const unreachable = () => new ApiFailure(0, getT()('error.unreachable'), 'unreachable');

export function setCsrf(token: string | null): void {
  csrf = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw unreachable();
  }
  const data = await res.json().catch(() => null) as { error?: { message?: string; code?: string; param?: string | null } } | null;
  if (!res.ok) {
    // A proxy's 502/504 page (no JSON) means the server behind it is down: say so, not "502 Bad Gateway".
    if (!data?.error && res.status >= 502 && res.status <= 504) throw unreachable();
    if (!data?.error?.message) throw new ApiFailure(res.status, getT()('error.http_error', { status: res.status }), 'http_error');
    throw new ApiFailure(res.status, sentence(data.error.message), data.error.code, data.error.param);
  }
  return data as T;
}

/** Server messages start lower-case ("steps: must be ≤ 50"); shown alone they read better as a sentence. */
export function sentence(message: string): string {
  const s = message.trim();
  if (!s) return s;
  return s[0]!.toUpperCase() + s.slice(1) + (/[.!?…]$/.test(s) ? '' : '.');
}

// The community and arena shapes come from the server's own definitions (type-only: nothing of the server is bundled).
export type { Video, ArenaPair, ArenaSide, Vote as ArenaVote } from '../../src/server/views/studio';
export type { StoryboardView, StoryboardEstimate } from '../../src/server/views/storyboards';
export type { TaskGroup, TaskGroupRef } from '../../src/server/views/task-groups';
import type { TaskGroupRef } from '../../src/server/views/task-groups';
import type { Video } from '../../src/server/views/studio';

/** A video of GET /api/my/videos: with the ad batch or storyboard it belongs to. */
export type MyVideo = Video & { group: TaskGroupRef | null };

export interface SessionInfo {
  user: { id: string; username: string; is_admin: boolean; access_key: string } | null;
  csrf_token: string | null;
  mode: 'local' | 'accounts';
}

export interface TaskParams {
  seed: number;
  steps?: number;
  guidance?: number | null;
  scheduler?: 'euler' | 'heun';
  output_size: number;
  seconds: string;
}

export interface Task {
  id: string;
  model: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: number;
  prompt: string;
  negative_prompt: string | null;
  params: TaskParams;
  remixed_from: string | null;
  error: { code: string; message: string } | null;
  price: number;
  meta: { unknownWords?: string[] } | null;
  files: { kind: string; url: string }[];
  created_at: number;
  /** The ad batch or storyboard this task is a child of (in list responses). */
  group?: TaskGroupRef | null;
}

export interface Progress {
  id: string;
  status: Task['status'];
  progress: number;
  step: number | null;
  of: number | null;
  phase: string | null;
  elapsed_ms: number | null;
  preview: string | null;
}

export interface EffectTemplate {
  id: string;
  name: string;
  description: string;
  effect: string;
  prompt_fragment: string;
  aliases: string[];
  params: { subject?: string; seed?: number };
  preview_url: string;
}

export interface ArenaRating {
  id: string;
  name: string;
  rating: number;
  lower: number;
  upper: number;
  rank: number;
  battles: number;
}

/** Ad batches (/api/batches): the estimate, the list summary and the combined progress document (server types). */
export type { BatchEstimate as AdBatchEstimate, BatchSummary as AdBatchSummary, BatchView as AdBatch } from '../../src/server/views/batches';
