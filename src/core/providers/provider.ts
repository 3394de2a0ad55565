/**
 * A provider turns a generation request into a video (DESIGN.md §1):
 * `generate(request, { signal, onProgress }) → { video, poster, meta }`. Each kind of provider is a plugin: its own
 * file declares its options, capabilities and defaults (kind.ts), and registry.ts lists the kinds.
 */
import type { PreviewImage } from '../../engine/latents.js';
import type { GenerateRequest } from '../../engine/pipeline.js';

/** The engine's own request fields (the same names and meanings), plus what the task adds. */
export type ProviderRequest = Pick<GenerateRequest, 'prompt' | 'negativePrompt' | 'seed' | 'steps' | 'guidance' | 'shift' | 'scheduler'> & {
  taskId: string;
  /** Pixels across of the delivered video and poster (the clip is upscaled). */
  outputSize: number;
  /** The clip length admitted (one of the provider's durations), as the wire formats write it ("4"). */
  seconds?: string;
};

export interface ProviderProgress {
  step: number;
  of: number;
  phase: 'encode' | 'denoise' | 'decode' | 'render' | 'video' | 'done';
  elapsedMs: number;
  preview?: PreviewImage;
}

export interface ProviderContext {
  signal: AbortSignal;
  onProgress: (p: ProviderProgress) => void;
}

export interface ClipShape {
  model: string;
  version: string;
  frames: number;
  fps: number;
  width: number;
  height: number;
}

export interface ProviderResult {
  video: Buffer;
  poster: Buffer;
  spritesheet: Buffer;
  meta: ClipShape & { seed: number; unknownWords: string[]; timingsMs: Record<string, number> };
}

/**
 * What a provider can be asked for. The API checks a request against these before it admits a task, so a request a
 * provider cannot serve is a 400 with a code, never a failed job.
 */
export interface ProviderCapabilities {
  /** Text-to-video from a prompt alone. */
  text: boolean;
  /** Image-to-video: a first frame given (Kling `image`, OpenAI `input_reference`). */
  image: boolean;
  /** A last frame given (Kling `image_tail`). */
  lastFrame: boolean;
  /** Continues an earlier clip (Kling video-extend, OpenAI extensions). */
  extend: boolean;
  /** Effect templates (their prompt fragments applied to a subject). */
  effects: boolean;
  /** Aspect ratios drawn natively ("1:1"). */
  aspects: string[];
  /** Clip lengths it makes, in seconds as the wire formats write them ("2"); the first is the default. */
  durations: string[];
}

/** One contestant of the arena: a model with settings (`steps` overrides the model's default). */
export interface ArenaContestant {
  id: string;
  name: string;
  model?: string;
  steps?: number;
}

export interface Provider {
  /** The instance's name from config: its queue (generate-<name>) and the `provider` of its tasks. */
  readonly name: string;
  /** The model name clients ask for. */
  readonly model: string;
  readonly capabilities: ProviderCapabilities;
  /** Seconds one job usually takes, until the database has measured run times (Retry-After uses it). */
  readonly expectedRunS: number;
  /** Load at start (the server's readiness waits for it) rather than on the first job; default true. */
  readonly preload?: boolean;
  /** What every clip of this provider is: known without loading weights. */
  shape(): ClipShape;
  /** The arena's contestants this provider brings when config lists none (default: its model). */
  contestants?(): ArenaContestant[];
  /** Loads what it needs (model code and weights load here, never in the constructor). */
  start(): Promise<void>;
  generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult>;
  close(): Promise<void>;
}

/** The clip length of a shape in seconds, as the wire formats write it ("2", "2.50"). */
export function secondsOf(shape: Pick<ClipShape, 'frames' | 'fps'>): string {
  const s = shape.frames / shape.fps;
  return Number.isInteger(s) ? String(s) : s.toFixed(2);
}

/** A provider's failure with a stable code: 'aborted' (cancelled or the lease was lost) or 'invalid_request'. */
export class ProviderError extends Error {
  constructor(message: string, readonly code: 'aborted' | 'invalid_request' | 'provider_failed') {
    super(message);
  }
}
