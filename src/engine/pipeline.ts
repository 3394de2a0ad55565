/**
 * The text-to-video pipeline of a kineo-t2v/1 model directory, run with onnxruntime-node (the diffusers shape,
 * STYLE.md): check the request → tokenize → encode the prompt (cond + uncond in one batch) → seeded noise →
 * denoise (one batch-2 transformer call per scheduler call for classifier-free guidance, a progress snapshot with a
 * preview per step, the AbortSignal checked before every call) → de-normalise → VAE decode → RGB bytes.
 * The ONNX sessions are created once per pipeline and reused. Same request and seed → identical bytes.
 *
 * A model with conditioning (model.json `conditioning`) also takes pictures and long clips: a start or end picture is
 * encoded (held still for one latent frame's worth of frames) and put in place of a latent frame with timestep 0, and a
 * clip longer than one window is drawn window by window, each continuing the last latent frames of the one before
 * (planWindows), then decoded in one causal pass so the windows meet without a seam.
 */
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { loadModelDir, ModelDirError } from './model-dir.js';
import { checkT2VManifest, type SchedulerName, type T2VManifest } from './manifest.js';
import { loadVocabulary, tokenize, type Tokenized, type Vocabulary } from './tokenizer.js';
import { normalisePrompt, promptTable, type PromptReading } from '../world/normalise.js';
import { flowEuler } from './schedulers/flow-euler.js';
import { flowHeun } from './schedulers/flow-heun.js';
import type { FlowScheduler } from './schedulers/scheduler.js';
import { denormalize, framesToBytes, latentSize, previewFrame, seededNoise, type LatentShape, type PreviewImage } from './latents.js';
import type { Clip } from '../world/render.js';
import { bytesToFrames, latentFrame, normalizeLatents, planWindows, setLatentFrame, sliceLatentFrames, stillFrames, type RgbImage } from './conditioning.js';
import { bilinearUp, boxDown } from './frame-scale.js';

export const SCHEDULERS: readonly SchedulerName[] = ['euler', 'heun'];
const SCHEDULER_FACTORIES: Record<SchedulerName, (steps: number, shift: number) => FlowScheduler> = { euler: flowEuler, heun: flowHeun };

export interface GenerateRequest {
  prompt: string;
  /** Replaces the unconditional caption of classifier-free guidance. */
  negativePrompt?: string;
  seed: number;
  /** Defaults: the model's (model.json `sampler`). */
  steps?: number;
  /** Classifier-free guidance scale; ≤ 1 or null runs the conditional model alone (batch 1). */
  guidance?: number | null;
  shift?: number;
  scheduler?: SchedulerName;
  signal?: AbortSignal;
  onProgress?: (snapshot: GenerationSnapshot) => void;
  /** Starting noise in model space (C·T'·H'·W' values) instead of the seed's; for parity tests. */
  latents?: Float32Array;
  /** Width of the preview image in pixels (default 64). */
  previewWidth?: number;
  /** The clip's first frame: a picture at the model's size (needs a model with conditioning). */
  image?: RgbImage;
  /** The clip's last frame, likewise. */
  lastImage?: RgbImage;
  /** A clip that the new frames continue, at the model's size (`sizeOf`) or at the size it draws (`outputSizeOf`, kept
   * sharp); the result is this clip at the output size followed by the new frames. */
  extend?: Clip;
  /** How many frames to draw (default: the model's video.frames); more than one window's are drawn window by window. */
  frames?: number;
  /** Aspect ratio, one of the model's (`capabilities.aspects`; default "1:1"); pictures and the clip to extend must
   * be at that aspect's size (`sizeOf`). */
  aspect?: string;
  /** Noise level of the frames a window continues (default: the model's `conditioning.contextNoise`, else 0). */
  contextNoise?: number;
  /** false: encode the prompt as written, skipping the normaliser (world/normalise.ts); for measuring it. */
  normalise?: boolean;
}

/** The most frames one request may ask for (a minute at 8 fps). */
export const MAX_FRAMES = 480;

export interface GenerationSnapshot {
  /** Denoising steps done over the whole clip (every window's). */
  step: number;
  of: number;
  phase: 'encode' | 'denoise' | 'decode' | 'done';
  elapsedMs: number;
  /** Latent frame 0 of the current clean-image estimate, through the model's linear RGB map. */
  preview?: PreviewImage;
}

export interface StageTimings {
  encode: number;
  denoise: number;
  decode: number;
  total: number;
}

/** The generated clip (a Clip: `data` holds frames × height × width × 3 RGB bytes) and how it was made. */
export interface Generation extends Clip {
  fps: number;
  model: { name: string; version: string };
  seed: number;
  steps: number;
  guidance: number | null;
  shift: number;
  scheduler: SchedulerName;
  /** What the prompt's phrases were read as, and the phrases the model cannot use (world/normalise.ts). */
  reading: PromptReading;
  /** The caption the text encoder was given (the prompt normalised onto the caption grammar). */
  caption: string;
  unknownWords: string[];
  truncatedWords: string[];
  /** Final latents in model space, (C, T', H', W') over the whole clip (the extended clip's included). */
  latents: Float32Array;
  /** Denoising windows drawn (1 for a clip of one window). */
  windows: number;
  /** The first frame (in the result) that each window after the first drew: where windows meet. */
  seams: number[];
  timings: StageTimings;
}

/** What a model directory can take besides text. */
export interface PipelineCapabilities {
  image: boolean;
  lastImage: boolean;
  extend: boolean;
  /** The most frames a request may ask for. */
  maxFrames: number;
  /** Aspect ratios drawn natively, 1:1 first. */
  aspects: string[];
}

/** The frame size of one aspect and its latent grid. */
interface Geometry {
  width: number;
  height: number;
  latent: LatentShape;
}

export class GenerationError extends Error {
  constructor(message: string, readonly code: 'invalid_request' | 'aborted') {
    super(message);
    this.name = code === 'aborted' ? 'AbortError' : 'GenerationError';
  }
}

export interface PipelineOptions {
  /** onnxruntime intra-op threads per session (default 2). */
  threads?: number;
}

interface Sessions {
  textEncoder: ort.InferenceSession;
  transformer: ort.InferenceSession;
  vaeDecoder: ort.InferenceSession;
  vaeEncoder?: ort.InferenceSession;
}

/** Latent frames a continuation window re-uses from the one before (of a 4-frame window: 2 given, 2 new). */
const WINDOW_OVERLAP = 2;

const int64 = (values: number[]) => BigInt64Array.from(values, (v) => BigInt(v));

export class KineoPipeline {
  /** Model calls made so far, per graph (tests check that an abort stops the loop). */
  readonly calls = { textEncoder: 0, transformer: 0, vaeDecoder: 0, vaeEncoder: 0 };
  readonly latentShape: LatentShape;

  private constructor(
    readonly manifest: T2VManifest & { dir: string },
    readonly vocab: Vocabulary,
    private readonly sessions: Sessions,
  ) {
    const [frames, height, width] = manifest.latent.shape;
    this.latentShape = { channels: manifest.latent.channels, frames, height, width };
  }

  /** Verifies the directory (every sha256 in model.json) and opens its three ONNX graphs once. */
  static async load(dir: string, options: PipelineOptions = {}): Promise<KineoPipeline> {
    const manifest = checkT2VManifest(loadModelDir(dir), dir);
    const vocab = loadVocabulary(join(manifest.dir, manifest.text.vocab));
    if (vocab.maxTokens !== manifest.text.maxTokens) {
      throw new ModelDirError(`${manifest.dir}: vocab.json has ${vocab.maxTokens} tokens per caption, model.json ${manifest.text.maxTokens}`, 'model_invalid');
    }
    promptTable(); // the normaliser's phrase table is built with the model, not in the first prompt's text stage
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.threads ?? 2,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const open = async (graph: keyof T2VManifest['onnx']) => {
      const spec = manifest.onnx[graph]!;
      if (!manifest.files[spec.file]) throw new ModelDirError(`${manifest.dir}: ${spec.file} has no sha256 in model.json`, 'model_invalid');
      const session = await ort.InferenceSession.create(join(manifest.dir, spec.file), sessionOptions);
      const missing = [...spec.inputs.filter((n) => !session.inputNames.includes(n)), ...spec.outputs.filter((n) => !session.outputNames.includes(n))];
      if (missing.length) throw new ModelDirError(`${manifest.dir}: ${spec.file} has no ${missing.join(', ')} (model.json onnx.${graph})`, 'model_invalid');
      return session;
    };
    const sessions: Sessions = { textEncoder: await open('text_encoder'), transformer: await open('transformer'), vaeDecoder: await open('vae_decoder') };
    if (manifest.conditioning) sessions.vaeEncoder = await open('vae_encoder');
    return new KineoPipeline(manifest, vocab, sessions);
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s: ort.InferenceSession) => s.release()));
  }

  get capabilities(): PipelineCapabilities {
    const conditioned = Boolean(this.manifest.conditioning);
    return {
      image: conditioned, lastImage: conditioned, extend: conditioned, maxFrames: conditioned ? MAX_FRAMES : this.manifest.video.frames,
      aspects: ['1:1', ...Object.keys(this.manifest.video.aspects ?? {}).filter((a) => a !== '1:1')],
    };
  }

  /** The frame size the model draws at an aspect ratio (pictures and clips to extend are fitted to it). */
  sizeOf(aspect = '1:1'): { width: number; height: number } {
    const { width, height } = this.geometry(aspect);
    return { width, height };
  }

  /** The frame size of the clips the model makes at an aspect ratio: its drawing size × the decoder's scale. */
  outputSizeOf(aspect = '1:1'): { width: number; height: number } {
    const { width, height } = this.geometry(aspect);
    return { width: width * this.decodeScale, height: height * this.decodeScale };
  }

  /** How many times the frame size the decoder draws (model.json video.decodeScale, default 1). */
  get decodeScale(): number {
    return this.manifest.video.decodeScale ?? 1;
  }

  private geometry(aspect = '1:1'): Geometry {
    const { video } = this.manifest;
    if (aspect === '1:1') return { width: video.width, height: video.height, latent: this.latentShape };
    const size = video.aspects?.[aspect];
    if (!size) {
      throw new GenerationError(`${this.manifest.name} ${this.manifest.version} draws ${this.capabilities.aspects.join(', ')}, not ${aspect}`, 'invalid_request');
    }
    const f = this.manifest.conditioning!.vae.spatialFactor;
    return { ...size, latent: { ...this.latentShape, height: size.height / f, width: size.width / f } };
  }

  /** The geometry whose frame size a picture has (a picture must be fitted to one of the model's sizes first). */
  private geometryOfSize(width: number, height: number, what: string): Geometry {
    for (const aspect of this.capabilities.aspects) {
      const g = this.geometry(aspect);
      if (g.width === width && g.height === height) return g;
    }
    const sizes = this.capabilities.aspects.map((a) => `${this.sizeOf(a).width}×${this.sizeOf(a).height}`).join(' or ');
    throw new GenerationError(`the ${what} must be ${sizes} (fit it first), got ${width}×${height}`, 'invalid_request');
  }

  /** A picture at one of the model's sizes → its latent frame in model space (C·H'·W'): held still for one latent
   * frame's worth of frames and encoded, as the model saw its start and end pictures in training. */
  async encodeImage(image: RgbImage): Promise<Float32Array> {
    const tf = this.requireConditioning().vae.timeFactor;
    const g = this.geometryOfSize(image.width, image.height, 'picture');
    const z = await this.encodeFrames(stillFrames(image, tf), tf, g);
    return latentFrame(z, { ...g.latent, frames: 1 }, 0);
  }

  /** A picture through the model's VAE and back (encoded held still, decoded): the best a clip given that picture
   * can reproduce it, as one frame. */
  async roundTrip(image: RgbImage): Promise<Clip> {
    const z = await this.encodeImage(image);
    const { height, width, latent } = this.geometryOfSize(image.width, image.height, 'picture');
    const shape = { ...latent, frames: 1 };
    const vd = this.manifest.onnx.vae_decoder;
    this.calls.vaeDecoder++;
    const out = (await this.sessions.vaeDecoder.run({ [vd.inputs[0]!]: new ort.Tensor('float32', denormalize(z, shape, this.manifest.latent.norm.mean, this.manifest.latent.norm.std), [1, shape.channels, 1, shape.height, shape.width]) }))[vd.outputs[0]!]!;
    const s = this.decodeScale;
    return { data: framesToBytes((out.data as Float32Array).subarray(0, height * s * width * s * 3)), frames: 1, height: height * s, width: width * s };
  }

  /** Frames (F, H, W, 3) in [0, 1] at the geometry's size, F a multiple of the time factor → model-space latents. */
  private async encodeFrames(frames: Float32Array, count: number, g: Geometry): Promise<Float32Array> {
    const spec = this.manifest.onnx.vae_encoder!;
    this.calls.vaeEncoder++;
    const out = (await this.sessions.vaeEncoder!.run({ [spec.inputs[0]!]: new ort.Tensor('float32', frames, [1, count, g.height, g.width, 3]) }))[spec.outputs[0]!]!;
    const shape = { ...g.latent, frames: Number(out.dims[2]) };
    return normalizeLatents(out.data as Float32Array, shape, this.manifest.latent.norm.mean, this.manifest.latent.norm.std);
  }

  private requireConditioning(): NonNullable<T2VManifest['conditioning']> {
    const c = this.manifest.conditioning;
    if (!c) throw new GenerationError(`${this.manifest.name} ${this.manifest.version} draws from text only: it takes no pictures, no clip to extend and no more than ${this.manifest.video.frames} frames`, 'invalid_request');
    return c;
  }

  async generate(request: GenerateRequest): Promise<Generation> {
    const start = performance.now();
    const m = this.manifest;
    // 1. check the request (before any compute)
    const steps = request.steps ?? m.sampler.steps;
    const guidance = request.guidance === undefined ? m.sampler.guidance : request.guidance;
    const shift = request.shift ?? m.sampler.shift;
    const schedulerName = request.scheduler ?? m.sampler.scheduler;
    const g = this.geometry(request.aspect);
    const latentShape = g.latent;
    const n = latentSize(latentShape);
    checkRequest(request, steps, guidance, shift, schedulerName, n, this.capabilities.maxFrames);
    const cfg = guidance !== null && guidance > 1;
    const elapsed = () => performance.now() - start;
    const emit = (s: Omit<GenerationSnapshot, 'elapsedMs'>) => request.onProgress?.({ ...s, elapsedMs: elapsed() });
    const abortIfAsked = () => {
      if (request.signal?.aborted) throw new GenerationError('generation was cancelled', 'aborted');
    };
    abortIfAsked();
    const window = latentShape.frames;
    const plan = await this.planClip(request, g);
    const { total, drawn, windows } = plan;
    emit({ step: 0, of: steps * windows.length, phase: 'encode' });

    // 2. read the prompt onto the caption grammar (the text encoder's only language), then tokenize; the negative
    // prompt (when it has words) replaces the unconditional caption
    const normalise = request.normalise !== false;
    const reading = normalisePrompt(request.prompt);
    const caption = normalise ? reading.caption : request.prompt;
    const cond = this.captionOf(caption);
    const negativeReading = request.negativePrompt?.trim() ? normalisePrompt(request.negativePrompt) : undefined;
    const negativeCaption = negativeReading && (normalise ? negativeReading.caption : request.negativePrompt!);
    const negative = negativeCaption?.trim() ? tokenize(negativeCaption, this.vocab) : undefined;
    const uncond = negative && negative.mask.some(Boolean) ? negative : { ids: m.text.uncond.ids, mask: m.text.uncond.mask };
    const unknownWords = normalise
      ? [...new Set([...reading.unused, ...(negativeReading?.unused ?? [])])]
      : [...new Set([...cond.unknownWords, ...(negative?.unknownWords ?? [])])];
    const truncatedWords = [...cond.truncated, ...(negative?.truncated ?? [])];

    // 3. encode the captions once (cond first, then uncond)
    const captions = cfg ? [cond, uncond] : [cond];
    const batch = captions.length;
    const L = m.text.maxTokens;
    const ids = new ort.Tensor('int64', int64(captions.flatMap((c) => c.ids)), [batch, L]);
    const mask = new ort.Tensor('int64', int64(captions.flatMap((c) => c.mask)), [batch, L]);
    const te = m.onnx.text_encoder;
    this.calls.textEncoder++;
    const textStates = (await this.sessions.textEncoder.run({ [te.inputs[0]!]: ids, [te.inputs[1]!]: mask }))[te.outputs[0]!]!;

    // 4. the frames given as conditions (the clip being extended, pictures), encoded once into the clip's latents
    const seqShape = { ...latentShape, frames: Math.max(total, window) };
    const seq = new Float32Array(latentSize(seqShape));
    const extendShape = { ...latentShape, frames: drawn };
    for (let t = 0; t < drawn; t++) setLatentFrame(seq, seqShape, t, latentFrame(plan.extendLatents!, extendShape, t));
    const firstImage = request.image ? await this.encodeImage(request.image) : undefined;
    const lastImage = request.lastImage ? await this.encodeImage(request.lastImage) : undefined;
    const encodeMs = elapsed();

    // 5. the denoising loop, window by window: seeded noise, the given frames held clean at timestep 0
    const scheduler = SCHEDULER_FACTORIES[schedulerName](steps, shift);
    const calls = scheduler.timesteps.length;
    const tr = m.onnx.transformer;
    const perFrame = Boolean(m.conditioning);
    const dims = [batch, latentShape.channels, window, latentShape.height, latentShape.width];
    const of = steps * windows.length;
    let stepsDone = 0;
    const contextNoise = request.contextNoise ?? m.conditioning?.contextNoise ?? 0;
    const frameSize = n / window;
    for (const [w, win] of windows.entries()) {
      const given = new Map<number, Float32Array>();
      // the frames this window continues (a previous window's or the extended clip's), seen slightly noised when the
      // model was trained so, so one window's small errors are not copied exactly into the next and do not compound
      const context = new Map<number, number>();
      const contextEps = contextNoise > 0 && win.given > 0 ? seededNoise(frameSize * win.given, windowSeed(request.seed, w) ^ 0x5bd1e995) : undefined;
      for (let t = 0; t < win.given; t++) {
        const clean = latentFrame(seq, seqShape, win.start + t);
        if (!contextEps) { given.set(t, clean); continue; }
        const eps = contextEps.subarray(t * frameSize, (t + 1) * frameSize);
        given.set(t, clean.map((z, k) => (1 - contextNoise) * z + contextNoise * eps[k]!));
        context.set(t, contextNoise);
      }
      if (w === 0 && firstImage && drawn === 0) given.set(0, firstImage);
      if (w === windows.length - 1 && lastImage) given.set(total - 1 - win.start, lastImage);
      let x = request.latents && w === 0 ? Float32Array.from(request.latents) : seededNoise(n, w === 0 ? request.seed : windowSeed(request.seed, w));
      const hold = (v: Float32Array) => {
        for (const [t, frame] of given) setLatentFrame(v, latentShape, t, frame);
        return v;
      };
      hold(x);
      let windowDone = 0;
      for (let i = 0; i < calls; i++) {
        abortIfAsked();
        const sigma = scheduler.timesteps[i]!;
        const input = new Float32Array(batch * n);
        for (let b = 0; b < batch; b++) input.set(x, b * n);
        const timestep = perFrame
          ? new ort.Tensor('float32', Float32Array.from({ length: batch * window }, (_, k) => (given.has(k % window) ? context.get(k % window) ?? 0 : sigma)), [batch, window])
          : new ort.Tensor('float32', new Float32Array(batch).fill(sigma), [batch]);
        this.calls.transformer++;
        const out = await this.sessions.transformer.run({
          [tr.inputs[0]!]: new ort.Tensor('float32', input, dims),
          [tr.inputs[1]!]: timestep,
          [tr.inputs[2]!]: textStates,
          [tr.inputs[3]!]: mask,
        });
        const raw = out[tr.outputs[0]!]!.data as Float32Array;
        const v = cfg ? guide(raw, n, guidance!) : raw.slice(0, n);
        const previous = x;
        x = hold(scheduler.step(v, i, x));
        const done = Math.floor(((i + 1) * steps) / calls);
        if (done > windowDone) {
          stepsDone += done - windowDone;
          windowDone = done;
          emit({ step: stepsDone, of, phase: 'denoise', preview: request.onProgress ? this.preview(previous, v, sigma, latentShape, request.previewWidth) : undefined });
        }
      }
      for (let t = 0; t < window; t++) if (!context.has(t)) setLatentFrame(seq, seqShape, win.start + t, latentFrame(x, latentShape, t));
    }
    const denoiseMs = elapsed() - encodeMs;

    // 6. de-normalise and decode the whole clip in one causal pass (no seams between windows)
    abortIfAsked();
    emit({ step: of, of, phase: 'decode' });
    const vd = m.onnx.vae_decoder;
    const clipShape = { ...latentShape, frames: total };
    const x = total === seqShape.frames ? seq : sliceLatentFrames(seq, seqShape, 0, total);
    const vaeLatents = denormalize(x, clipShape, m.latent.norm.mean, m.latent.norm.std);
    this.calls.vaeDecoder++;
    const decoded = (await this.sessions.vaeDecoder.run({ [vd.inputs[0]!]: new ort.Tensor('float32', vaeLatents, [1, latentShape.channels, total, latentShape.height, latentShape.width]) }))[vd.outputs[0]!]!;
    const [, decodedFrames, height, width, channels] = decoded.dims.map(Number);
    const { video } = m;
    const tf = m.conditioning?.vae.timeFactor ?? video.frames / window;
    const scale = this.decodeScale;
    if (decodedFrames !== total * tf || height !== g.height * scale || width !== g.width * scale || channels !== 3) {
      throw new ModelDirError(`${m.dir}: the decoder made ${decoded.dims.join('×')} frames, model.json promises ${total * tf}×${g.height * scale}×${g.width * scale}×3`, 'model_invalid');
    }
    const frameBytes = height * width * 3;
    const fresh = framesToBytes(decoded.data as Float32Array).subarray(drawn * tf * frameBytes, (drawn * tf + plan.newFrames) * frameBytes);
    const e = request.extend;
    const given = e && (e.width === width ? e.data : bilinearUp(e.data, e.frames, e.height, e.width, scale));
    const data = given ? concatBytes(given, fresh) : Uint8Array.from(fresh);
    const total_ms = elapsed();
    emit({ step: of, of, phase: 'done' });
    return {
      data, frames: data.length / frameBytes, height, width, fps: video.fps,
      model: { name: m.name, version: m.version },
      seed: request.seed, steps, guidance, shift, scheduler: schedulerName,
      reading, caption, unknownWords, truncatedWords, latents: x, windows: windows.length,
      seams: windows.slice(drawn > 0 ? 0 : 1).map((w) => (request.extend?.frames ?? 0) + (w.start + w.given - drawn) * tf).filter((f) => f < data.length / frameBytes),
      timings: { encode: round(encodeMs), denoise: round(denoiseMs), decode: round(total_ms - encodeMs - denoiseMs), total: round(total_ms) },
    };
  }

  /** How many latent frames the clip has, how many of them the clip being extended gives, and the windows. */
  private async planClip(r: GenerateRequest, g: Geometry): Promise<{ total: number; drawn: number; newFrames: number; windows: ReturnType<typeof planWindows>; extendLatents?: Float32Array }> {
    const { video } = this.manifest;
    const window = g.latent.frames;
    const newFrames = r.frames ?? video.frames;
    const conditioned = r.image || r.lastImage || r.extend || newFrames !== video.frames;
    if (!conditioned) return { total: window, drawn: 0, newFrames, windows: [{ start: 0, given: 0 }] };
    const tf = this.requireConditioning().vae.timeFactor;
    for (const [name, image] of [['start', r.image], ['last', r.lastImage]] as const) {
      if (image && (image.width !== g.width || image.height !== g.height || image.data.length !== g.width * g.height * 3)) {
        throw new GenerationError(`the ${name} picture must be ${g.width}×${g.height} RGB (fit it first), got ${image.width}×${image.height}`, 'invalid_request');
      }
    }
    let drawn = 0;
    let extendLatents: Float32Array | undefined;
    if (r.extend) {
      const e = r.extend;
      const s = this.decodeScale;
      const atOutput = s > 1 && e.width === g.width * s && e.height === g.height * s;
      if (!atOutput && (e.width !== g.width || e.height !== g.height)) {
        const sizes = s > 1 ? `${g.width}×${g.height} or ${g.width * s}×${g.height * s}` : `${g.width}×${g.height}`;
        throw new GenerationError(`the clip to extend must be ${sizes} (fit it first), got ${e.width}×${e.height}`, 'invalid_request');
      }
      drawn = Math.floor(e.frames / tf);
      if (drawn < 1) throw new GenerationError(`the clip to extend needs at least ${tf} frames, got ${e.frames}`, 'invalid_request');
      if (e.frames + newFrames > MAX_FRAMES) throw new GenerationError(`the extended clip would have ${e.frames + newFrames} frames; the most is ${MAX_FRAMES}`, 'invalid_request');
      // the clip's last whole latent frames, encoded from their start (the encoder is causal)
      const frameValues = e.height * e.width * 3;
      const tail = e.data.subarray((e.frames - drawn * tf) * frameValues, e.frames * frameValues);
      const small = atOutput ? boxDown(tail, drawn * tf, e.height, e.width, s) : tail;
      extendLatents = await this.encodeFrames(bytesToFrames(small), drawn * tf, g);
    }
    const total = drawn + Math.ceil(newFrames / tf);
    return { total, drawn, newFrames, windows: planWindows(Math.max(total, window), window, Math.min(WINDOW_OVERLAP, window - 1), drawn), extendLatents };
  }

  /** The prompt's tokens; a prompt with no words is the unconditional caption. */
  private captionOf(prompt: string): Pick<Tokenized, 'ids' | 'mask' | 'unknownWords' | 'truncated'> {
    const t = tokenize(prompt, this.vocab);
    if (t.mask.some(Boolean)) return t;
    return { ...this.manifest.text.uncond, unknownWords: [], truncated: [] };
  }

  /** Latent frame 0 of the clean-image estimate x0 = x − σ·v, through the model's linear RGB map. */
  private preview(x: Float32Array, v: Float32Array, sigma: number, latentShape: LatentShape, width = 64): PreviewImage | undefined {
    const map = this.manifest.preview;
    if (!map) return undefined;
    const { channels, frames, height, width: lw } = latentShape;
    const plane = height * lw;
    const first = new Float32Array(channels * plane);
    for (let c = 0; c < channels; c++) {
      const base = c * frames * plane;
      for (let p = 0; p < plane; p++) first[c * plane + p] = x[base + p]! - sigma * v[base + p]!;
    }
    const shape = { channels, frames: 1, height, width: lw };
    return previewFrame(denormalize(first, shape, this.manifest.latent.norm.mean, this.manifest.latent.norm.std), shape, map, width);
  }
}

/** v = v_uncond + g·(v_cond − v_uncond), from one batch-2 output (cond first). */
function guide(raw: Float32Array, n: number, g: number): Float32Array {
  const v = new Float32Array(n);
  const gf = Math.fround(g);
  for (let i = 0; i < n; i++) v[i] = raw[n + i]! + gf * (raw[i]! - raw[n + i]!);
  return v;
}

function checkRequest(r: GenerateRequest, steps: number, guidance: number | null, shift: number, scheduler: string, n: number, maxFrames: number): void {
  const fail = (message: string) => {
    throw new GenerationError(message, 'invalid_request');
  };
  if (typeof r.prompt !== 'string') fail('the prompt must be text');
  if (!Number.isSafeInteger(r.seed) || r.seed < 0) fail(`the seed must be a whole number ≥ 0, got ${r.seed}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > 1000) fail(`steps must be a whole number from 1 to 1000, got ${steps}`);
  if (guidance !== null && !(guidance >= 0 && guidance <= 100)) fail(`guidance must be from 0 to 100, got ${guidance}`);
  if (!(shift > 0 && shift <= 100)) fail(`shift must be above 0 and at most 100, got ${shift}`);
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) fail(`scheduler must be one of ${SCHEDULERS.join(', ')}, got "${scheduler}"`);
  if (r.latents && r.latents.length !== n) fail(`latents must hold ${n} values, got ${r.latents.length}`);
  if (r.contextNoise !== undefined && !(r.contextNoise >= 0 && r.contextNoise < 1)) fail(`contextNoise must be from 0 to below 1, got ${r.contextNoise}`);
  if (r.frames !== undefined && !(Number.isInteger(r.frames) && r.frames >= 1 && r.frames <= maxFrames)) fail(`frames must be a whole number from 1 to ${maxFrames}, got ${r.frames}`);
}

/** The seed of window w > 0 of a long clip (window 0 uses the request's seed, so a one-window clip is unchanged). */
function windowSeed(seed: number, w: number): number {
  return (seed + w * 0x9e3779b1) % 2 ** 32;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
