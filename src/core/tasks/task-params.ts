/** The generation parameters a task stores (tasks.params), whatever wire format created it. */
export interface TaskParams {
  seed: number;
  steps?: number;
  guidance?: number | null;
  shift?: number;
  scheduler?: 'euler' | 'heun';
  /** Pixels across of the delivered video. */
  output_size: number;
  /** The clip's duration as delivered, in seconds, as a string ("2"). */
  seconds: string;
  /** OpenAI-style "WxH" of the delivered video. */
  size: string;
  /** Kling fields, kept to echo them back. */
  aspect_ratio?: string;
  mode?: string;
  cfg_scale?: number;
  camera_control?: unknown;
  effect_scene?: string;
}

export const parseParams = (json: string): TaskParams => JSON.parse(json) as TaskParams;
