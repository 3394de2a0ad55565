/**
 * The text-to-video pipeline of a kineo-t2v/1 model directory, run with onnxruntime-node (the diffusers shape,
 * STYLE.md): check the request → tokenize → encode the prompt (cond + uncond in one batch) → seeded noise →
 * denoise (one batch-2 transformer call per scheduler call for classifier-free guidance, a progress snapshot with a
 * preview per step, the AbortSignal checked before every call) → de-normalise → VAE decode → RGB bytes.
 * The three ONNX sessions are created once per pipeline and reused. Same request and seed → identical bytes.
 */
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { loadModelDir, ModelDirError } from './model-dir.js';
import { checkT2VManifest, type SchedulerName, type T2VManifest } from './manifest.js';
import { loadVocabulary, tokenize, type Tokenized, type Vocabulary } from './tokenizer.js';
import { flowEuler } from './schedulers/flow-euler.js';
import { flowHeun } from './schedulers/flow-heun.js';
import type { FlowScheduler } from './schedulers/scheduler.js';
import { denormalize, framesToBytes, latentSize, previewFrame, seededNoise, type LatentShape, type PreviewImage } from './latents.js';
import type { Clip } from '../world/render.js';

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
}

export interface GenerationSnapshot {
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
  unknownWords: string[];
  truncatedWords: string[];
  /** Final latents in model space. */
  latents: Float32Array;
  timings: StageTimings;
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
}

const int64 = (values: number[]) => BigInt64Array.from(values, (v) => BigInt(v));

export class KineoPipeline {
  /** Model calls made so far, per graph (tests check that an abort stops the loop). */
  readonly calls = { textEncoder: 0, transformer: 0, vaeDecoder: 0 };
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
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.threads ?? 2,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const open = async (graph: keyof T2VManifest['onnx']) => {
      const spec = manifest.onnx[graph];
      if (!manifest.files[spec.file]) throw new ModelDirError(`${manifest.dir}: ${spec.file} has no sha256 in model.json`, 'model_invalid');
      const session = await ort.InferenceSession.create(join(manifest.dir, spec.file), sessionOptions);
      const missing = [...spec.inputs.filter((n) => !session.inputNames.includes(n)), ...spec.outputs.filter((n) => !session.outputNames.includes(n))];
      if (missing.length) throw new ModelDirError(`${manifest.dir}: ${spec.file} has no ${missing.join(', ')} (model.json onnx.${graph})`, 'model_invalid');
      return session;
    };
    const sessions = { textEncoder: await open('text_encoder'), transformer: await open('transformer'), vaeDecoder: await open('vae_decoder') };
    return new KineoPipeline(manifest, vocab, sessions);
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s: ort.InferenceSession) => s.release()));
  }

  async generate(request: GenerateRequest): Promise<Generation> {
    const start = performance.now();
    const m = this.manifest;
    // 1. check the request (before any compute)
    const steps = request.steps ?? m.sampler.steps;
    const guidance = request.guidance === undefined ? m.sampler.guidance : request.guidance;
    const shift = request.shift ?? m.sampler.shift;
    const schedulerName = request.scheduler ?? m.sampler.scheduler;
    const n = latentSize(this.latentShape);
    checkRequest(request, steps, guidance, shift, schedulerName, n);
    const cfg = guidance !== null && guidance > 1;
    const elapsed = () => performance.now() - start;
    const emit = (s: Omit<GenerationSnapshot, 'elapsedMs'>) => request.onProgress?.({ ...s, elapsedMs: elapsed() });
    const abortIfAsked = () => {
      if (request.signal?.aborted) throw new GenerationError('generation was cancelled', 'aborted');
    };
    abortIfAsked();
    emit({ step: 0, of: steps, phase: 'encode' });

    // 2. tokenize; the negative prompt (when it has words) replaces the unconditional caption
    const cond = this.captionOf(request.prompt);
    const negative = request.negativePrompt?.trim() ? tokenize(request.negativePrompt, this.vocab) : undefined;
    const uncond = negative && negative.mask.some(Boolean) ? negative : { ids: m.text.uncond.ids, mask: m.text.uncond.mask };
    const unknownWords = [...new Set([...cond.unknownWords, ...(negative?.unknownWords ?? [])])];
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
    const encodeMs = elapsed();

    // 4. starting noise from the seed, 5. the denoising loop
    let x = request.latents ? Float32Array.from(request.latents) : seededNoise(n, request.seed);
    const scheduler = SCHEDULER_FACTORIES[schedulerName](steps, shift);
    const calls = scheduler.timesteps.length;
    const tr = m.onnx.transformer;
    const dims = [batch, this.latentShape.channels, this.latentShape.frames, this.latentShape.height, this.latentShape.width];
    let stepsDone = 0;
    for (let i = 0; i < calls; i++) {
      abortIfAsked();
      const sigma = scheduler.timesteps[i]!;
      const input = new Float32Array(batch * n);
      for (let b = 0; b < batch; b++) input.set(x, b * n);
      this.calls.transformer++;
      const out = await this.sessions.transformer.run({
        [tr.inputs[0]!]: new ort.Tensor('float32', input, dims),
        [tr.inputs[1]!]: new ort.Tensor('float32', new Float32Array(batch).fill(sigma), [batch]),
        [tr.inputs[2]!]: textStates,
        [tr.inputs[3]!]: mask,
      });
      const raw = out[tr.outputs[0]!]!.data as Float32Array;
      const v = cfg ? guide(raw, n, guidance!) : raw.slice(0, n);
      const previous = x;
      x = scheduler.step(v, i, x);
      const done = Math.floor(((i + 1) * steps) / calls);
      if (done > stepsDone) {
        stepsDone = done;
        emit({ step: done, of: steps, phase: 'denoise', preview: request.onProgress ? this.preview(previous, v, sigma, request.previewWidth) : undefined });
      }
    }
    const denoiseMs = elapsed() - encodeMs;

    // 6. de-normalise and decode
    abortIfAsked();
    emit({ step: steps, of: steps, phase: 'decode' });
    const vd = m.onnx.vae_decoder;
    const vaeLatents = denormalize(x, this.latentShape, m.latent.norm.mean, m.latent.norm.std);
    this.calls.vaeDecoder++;
    const decoded = (await this.sessions.vaeDecoder.run({ [vd.inputs[0]!]: new ort.Tensor('float32', vaeLatents, [1, ...dims.slice(1)]) }))[vd.outputs[0]!]!;
    const [, frames, height, width, channels] = decoded.dims.map(Number);
    const { video } = m;
    if (frames !== video.frames || height !== video.height || width !== video.width || channels !== 3) {
      throw new ModelDirError(`${m.dir}: the decoder made ${decoded.dims.join('×')} frames, model.json promises ${video.frames}×${video.height}×${video.width}×3`, 'model_invalid');
    }
    const data = framesToBytes(decoded.data as Float32Array);
    const total = elapsed();
    emit({ step: steps, of: steps, phase: 'done' });
    return {
      data, frames, height, width, fps: video.fps,
      model: { name: m.name, version: m.version },
      seed: request.seed, steps, guidance, shift, scheduler: schedulerName,
      unknownWords, truncatedWords, latents: x,
      timings: { encode: round(encodeMs), denoise: round(denoiseMs), decode: round(total - encodeMs - denoiseMs), total: round(total) },
    };
  }

  /** The prompt's tokens; a prompt with no words is the unconditional caption. */
  private captionOf(prompt: string): Pick<Tokenized, 'ids' | 'mask' | 'unknownWords' | 'truncated'> {
    const t = tokenize(prompt, this.vocab);
    if (t.mask.some(Boolean)) return t;
    return { ...this.manifest.text.uncond, unknownWords: [], truncated: [] };
  }

  /** Latent frame 0 of the clean-image estimate x0 = x − σ·v, through the model's linear RGB map. */
  private preview(x: Float32Array, v: Float32Array, sigma: number, width = 64): PreviewImage | undefined {
    const map = this.manifest.preview;
    if (!map) return undefined;
    const { channels, frames, height, width: lw } = this.latentShape;
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

function checkRequest(r: GenerateRequest, steps: number, guidance: number | null, shift: number, scheduler: string, n: number): void {
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
}

const round = (ms: number) => Math.round(ms * 10) / 10;
