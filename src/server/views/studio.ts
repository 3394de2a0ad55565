/**
 * What the studio's pages read from the native API (community and arena), as plain types with no runtime
 * dependencies: the server's services build them and web/src/api.ts imports them (type-only), so the two cannot drift.
 */
import type { TaskStatus } from '../../core/db/schema.js';
import type { TaskParams } from '../../core/tasks/task-params.js';
import type { TaskGroup, TaskGroupRef } from './task-groups.js';

export interface Video {
  id: string;
  prompt: string;
  negative_prompt: string | null;
  model: string;
  params: TaskParams;
  status: TaskStatus;
  author: string;
  mine: boolean;
  published: boolean;
  published_at: number | null;
  hidden: boolean;
  views: number;
  likes: number;
  liked: boolean;
  reports: number | null;
  remixed_from: string | null;
  parent: { id: string; prompt: string } | null;
  children: { id: string; prompt: string }[];
  video_url: string | null;
  poster_url: string | null;
  created_at: number;
}

/** GET /api/my/videos: each video names its ad batch or storyboard (`group`); `groups` has each named once. */
export interface MyVideos {
  data: (Video & { group: TaskGroupRef | null })[];
  groups: TaskGroup[];
}

export type Vote = 'left' | 'right' | 'tie' | 'both_bad';

export interface ArenaSide {
  task_id: string;
  status: TaskStatus;
  progress: number;
  video_url: string | null;
  poster_url: string | null;
  /** The contestant's name: null until the vote. */
  contestant: string | null;
}

export interface ArenaPair {
  id: string;
  caption: string;
  left: ArenaSide;
  right: ArenaSide;
  ready: boolean;
  vote: Vote | null;
  created_at: number;
}
