/** The generation parameters a task stores (tasks.params), whatever wire format created it. */
import type { Aspect } from '../providers/provider.js';
import type { TaskInputKeys } from './task-inputs.js';

export interface TaskParams {
  seed: number;
  steps?: number;
  guidance?: number | null;
  shift?: number;
  scheduler?: 'euler' | 'heun';
  /** Pixels across of the delivered video. */
  output_size: number;
  /** Pixels down of the delivered video when the request asked for an exact size (OpenAI "720x1280"). */
  output_height?: number;
  /** The clip's duration as delivered, in seconds, as a string ("2"); for an extension, the stitched total. */
  seconds: string;
  /** The seconds the provider draws after the clip to extend (extensions only; `seconds` is the total). */
  extend_seconds?: string;
  /** OpenAI-style "WxH" of the delivered video. */
  size: string;
  /** The aspect ratio drawn (absent on tasks from before aspects: 1:1). */
  aspect?: Aspect;
  /** The task's input files by their storage key (sha256): loaded by the worker, never inlined in the row. */
  inputs?: TaskInputKeys;
  /** The task whose video an extension continues. */
  extends_task?: string;
  /** Kling fields, kept to echo them back. */
  aspect_ratio?: string;
  mode?: string;
  cfg_scale?: number;
  camera_control?: unknown;
  effect_scene?: string;
  /** The effect template applied (its catalog id, Kling's spelling) and the subject it applies to, apart: a remote
   * with its own effects endpoint gets these rather than the composed prompt. */
  effect?: EffectAsked;
}

export interface EffectAsked {
  template: string;
  subject?: string;
}

export const parseParams = (json: string): TaskParams => JSON.parse(json) as TaskParams;
