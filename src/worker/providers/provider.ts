/**
 * A provider turns a generation request into a video (DESIGN.md §1):
 * `generate(request, { signal, onProgress }) → { video, poster, meta }`. The built-in engine is one; the oracle
 * (the world's ground truth) is another; remote APIs would be more.
 */
import type { PreviewImage } from '../../engine/latents.js';
import type { GenerateRequest } from '../../engine/pipeline.js';

/** The engine's own request fields (the same names and meanings), plus what the task adds. */
export type ProviderRequest = Pick<GenerateRequest, 'prompt' | 'negativePrompt' | 'seed' | 'steps' | 'guidance' | 'shift' | 'scheduler'> & {
  taskId: string;
  /** Pixels across of the delivered video and poster (the clip is upscaled). */
  outputSize: number;
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

export interface Provider {
  /** The provider's name in the queue ('builtin', 'oracle'). */
  readonly name: string;
  /** The model name clients ask for ('kineo-mini', 'oracle'). */
  readonly model: string;
  /** Whether it can start from an image (image-to-video); neither shipped provider can yet. */
  readonly imageToVideo: boolean;
  /** What every clip of this provider is: known without loading weights. */
  shape(): ClipShape;
  /** Loads what it needs (the builtin loads its model once, here). */
  start(): Promise<void>;
  generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult>;
  close(): Promise<void>;
}

/** A provider's failure with a stable code: 'aborted' (cancelled or the lease was lost) or 'invalid_request'. */
export class ProviderError extends Error {
  constructor(message: string, readonly code: 'aborted' | 'invalid_request' | 'provider_failed') {
    super(message);
  }
}
