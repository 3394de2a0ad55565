/**
 * A storyboard as the native API and the studio see it: plain types with no runtime dependencies (web/src/api.ts
 * imports them type-only); StoryboardsService builds them.
 */
import type { StoryboardStatus, TaskStatus } from '../../core/db/schema.js';

export type StoryboardCamera = 'none' | 'pan_left' | 'pan_right' | 'tilt_up' | 'tilt_down' | 'zoom_in' | 'zoom_out';
export type StoryboardTransition = 'cut' | 'crossfade' | 'fade_black' | 'wipe_left' | 'wipe_right';
export type StoryboardFill = 'loop' | 'pingpong' | 'hold';

export interface StoryboardFile {
  id: string;
  kind: string;
  content_type: string;
  bytes: number;
  url: string;
}

export interface StoryboardShotPlan {
  index: number;
  prompt: string;
  /** What the shot's task is asked: subject + prompt + the camera phrase. */
  caption: string;
  /** Seconds in the film (frames / fps). */
  duration: number;
  frames: number;
  camera: StoryboardCamera;
  transition: StoryboardTransition;
  fill: StoryboardFill;
  /** Words of the caption the model does not know (they are ignored). */
  unknown_words: string[];
}

export interface StoryboardShotView extends StoryboardShotPlan {
  task_id: string;
  status: TaskStatus;
  progress: number;
  error: { code: string; message: string } | null;
}

/** The film's length and size as planned (before it is made) or as made. */
export interface StoryboardFilmPlan {
  frames: number;
  seconds: number;
  fps: number;
  width: number;
  height: number;
  title_seconds: number;
  /** Frames each overlapping transition shares between two shots; each half of a dip to black. */
  transition_frames: number;
}

export interface StoryboardView {
  id: string;
  object: 'storyboard';
  title: string;
  subject: string;
  model: string;
  seed: number;
  status: StoryboardStatus;
  /** 0–100: the shots' mean progress up to 90, then assembly. */
  progress: number;
  price: number;
  clips: number;
  film: StoryboardFilmPlan;
  shots: StoryboardShotView[];
  error: { code: string; message: string } | null;
  /** The film (MP4) and its poster (the title card) once made. */
  video: StoryboardFile | null;
  poster: StoryboardFile | null;
  meta: { timings_ms?: Record<string, number> } | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

/** What a storyboard would cost and make, before it is submitted. */
export interface StoryboardEstimate {
  price: number;
  price_per_clip: number;
  clips: number;
  balance: number;
  affordable: boolean;
  /** One clip's length: shots longer than this fill it (loop, pingpong or hold). */
  clip_seconds: number;
  min_shot_seconds: number;
  max_shot_seconds: number;
  film: StoryboardFilmPlan;
  shots: StoryboardShotPlan[];
}
