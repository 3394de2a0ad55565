/**
 * A provider turns a generation request into a video (DESIGN.md §1):
 * `generate(request, { signal, onProgress }) → { video, poster, meta }`. Each kind of provider is a plugin: its own
 * file declares its options, capabilities and defaults (kind.ts), and registry.ts lists the kinds.
 */
import type { PreviewImage } from '../../engine/latents.js';
import type { GenerateRequest } from '../../engine/pipeline.js';

/** An aspect ratio as the wire formats write it. */
export type Aspect = '1:1' | '16:9' | '9:16';
export const ASPECTS: readonly Aspect[] = ['1:1', '16:9', '9:16'];

/** The aspect ratio nearest a frame size (1792×1024 is drawn as 16:9). */
export function aspectOfSize(width: number, height: number): Aspect {
  const ratio = Math.log(width / height);
  const distance = (a: Aspect) => {
    const [w, h] = a.split(':').map(Number);
    return Math.abs(Math.log(w! / h!) - ratio);
  };
  return [...ASPECTS].sort((a, b) => distance(a) - distance(b))[0]!;
}

/** The engine's own request fields (the same names and meanings), plus what the task adds. */
export type ProviderRequest = Pick<GenerateRequest, 'prompt' | 'negativePrompt' | 'seed' | 'steps' | 'guidance' | 'shift' | 'scheduler'> & {
  taskId: string;
  /** Pixels across (the width) of the delivered video and poster (the clip is upscaled). */
  outputSize: number;
  /** Pixels down of the delivered video, when the wire format asks for an exact size ("720x1280"); default: the
   * clip's own aspect at `outputSize` across. */
  outputHeight?: number;
  /** The clip length admitted (one of the provider's durations), as the wire formats write it ("4"). */
  seconds?: string;
  /** Aspect ratio (one of the provider's `aspects`; default 1:1). */
  aspect?: Aspect;
  /** The first frame: the bytes of a PNG, JPEG or WebP file the API has already checked (size, format, limits);
   * the provider fits it (centre crop + scale) to the aspect. Needs `capabilities.image`. */
  image?: Buffer;
  /** The last frame, likewise. Needs `capabilities.lastFrame`. */
  lastImage?: Buffer;
  /** The effect template asked for by name, and its subject (the prompt is already composed from both): for a remote
   * that applies effects itself (Kling's /v1/videos/effects). */
  effect?: { template: string; subject?: string };
  /** An earlier clip (the bytes of its MP4) that the new seconds continue; the result is that clip followed by
   * `seconds` more. Needs `capabilities.extend`. */
  extend?: Buffer;
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
  /** Where the remote may call back when the task's state changes (only when the server has a public URL). */
  callback?: ProviderCallback;
}

/** A task's callback URL, and a sleep between polls that a call to it ends early (callbacks.ts). */
export interface ProviderCallback {
  url: string;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
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
  /** `sampling`: what a sampling model actually used (its defaults filled in), shown on the studio's player. */
  meta: ClipShape & { seed: number; unknownWords: string[]; timingsMs: Record<string, number>; sampling?: { steps: number; guidance: number | null; scheduler: string } };
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
  /** Aspect ratios drawn natively ("1:1", "16:9", "9:16"); the first is the default. */
  aspects: Aspect[];
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
  /** The sampling steps a task gets when it names none (the studio scales its time estimate by steps). */
  readonly defaultSteps?: number;
  /** True for providers that draw only the world's concepts from the prompt (the built-in engine, the oracle): a
   * native-API prompt with none of them is refused before payment (world/normalise.ts). */
  readonly readsWorldPrompts?: boolean;
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
