/**
 * The built-in provider: the Kineo engine (onnxruntime on the CPU). The pipeline is loaded once, in start(), through
 * a dynamic import: describing the provider (its model, shape and capabilities) reads model.json only, so a
 * scale-out server that lists it for admission never loads model code.
 */
import { z } from 'zod';
import { DEFAULT_MODEL, readInstalledModel, resolveModel } from '../../engine/models.js';
import type { GenerateRequest, KineoPipeline } from '../../engine/pipeline.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitImage, ImageInputError } from '../../media/image.js';
import { decodeVideoFile, VideoInputError, type RgbClip } from '../../media/video-input.js';
import { defineKind, legacySection } from './kind.js';
import { ASPECTS, ProviderError, secondsOf, type ArenaContestant, type ClipShape, type Provider, type ProviderCapabilities, type ProviderContext, type ProviderRequest, type ProviderResult } from './provider.js';

/** The longest clip the built-in provider admits (the engine draws up to a minute; the wire formats ask for ≤ 12 s). */
const MAX_SECONDS = 20;

export class BuiltinProvider implements Provider {
  readonly model: string;
  readonly capabilities: ProviderCapabilities;
  /** A 2-second clip of kineo-mini takes about this long on 2 cores (README, bench:engine). */
  readonly expectedRunS = 3;
  readonly readsWorldPrompts = true;
  readonly defaultSteps?: number;
  private readonly dir: string;
  private readonly clip: ClipShape;
  private pipeline?: Promise<KineoPipeline>;

  constructor(model: string = DEFAULT_MODEL, private readonly threads = 2, readonly name = 'builtin', readonly preload = true) {
    this.dir = resolveModel(model);
    const installed = readInstalledModel(this.dir);
    if (!installed) throw new Error(`${this.dir} has no kineo-t2v/1 model.json`);
    this.model = installed.name;
    if (installed.steps !== null) this.defaultSteps = installed.steps;
    this.clip = { model: installed.name, version: installed.version, frames: installed.frames, fps: installed.fps, width: installed.width, height: installed.height };
    const clipSeconds = secondsOf(this.clip);
    // What the model takes, as its model.json declares it: pictures and extension when it is conditioned on frames,
    // the aspects it draws natively (of those the wire formats name), any whole number of seconds up to
    // MAX_SECONDS (drawn window by window) with the clip's own length first, the default.
    const lengths = Array.from({ length: MAX_SECONDS }, (_, i) => String(i + 1)).filter((s) => s !== clipSeconds);
    this.capabilities = {
      text: true, image: installed.inputs.image, lastFrame: installed.inputs.lastImage, extend: installed.inputs.extend, effects: true,
      aspects: ASPECTS.filter((a) => a in installed.aspects),
      durations: installed.inputs.long ? [clipSeconds, ...lengths] : [clipSeconds],
    };
  }

  shape(): ClipShape {
    return this.clip;
  }

  contestants(): ArenaContestant[] {
    return [
      { id: `${this.model}-4`, name: `${this.model} · 4 steps`, model: this.model, steps: 4 },
      { id: this.model, name: `${this.model} · default steps`, model: this.model },
    ];
  }

  start(): Promise<void> {
    this.pipeline ??= import('../../engine/pipeline.js').then(({ KineoPipeline }) => KineoPipeline.load(this.dir, { threads: this.threads }));
    return this.pipeline.then(() => undefined);
  }

  async generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult> {
    await this.start();
    const pipeline = await this.pipeline!;
    const { GenerationError } = await import('../../engine/pipeline.js');
    const { encodeClipFiles, generationMetadata } = await import('../../engine/outputs.js');
    let generation;
    try {
      const inputs = await this.engineInputs(pipeline, request);
      generation = await pipeline.generate({
        prompt: request.prompt, negativePrompt: request.negativePrompt, seed: request.seed, steps: request.steps,
        guidance: request.guidance, shift: request.shift, scheduler: request.scheduler, signal: ctx.signal,
        ...inputs,
        onProgress: (s) => ctx.onProgress({ step: s.step, of: s.of, phase: s.phase, elapsedMs: s.elapsedMs, preview: s.preview }),
      });
    } catch (err) {
      if (err instanceof GenerationError) throw new ProviderError(err.message, err.code);
      if (err instanceof ImageInputError || err instanceof VideoInputError) throw new ProviderError(err.message, 'invalid_request');
      throw err;
    }
    if (ctx.signal.aborted) throw new ProviderError('generation was cancelled', 'aborted');
    const t0 = performance.now();
    const files = await encodeClipFiles(generation, {
      fps: generation.fps, outputSize: request.outputSize, outputHeight: request.outputHeight,
      metadata: generationMetadata(generation, request.prompt, request.taskId, request.negativePrompt),
    });
    const videoMs = Math.round(performance.now() - t0);
    return {
      ...files,
      meta: {
        ...this.clip, frames: generation.frames, width: generation.width, height: generation.height,
        seed: generation.seed, unknownWords: generation.unknownWords,
        sampling: { steps: generation.steps, guidance: generation.guidance, scheduler: generation.scheduler },
        timingsMs: { ...generation.timings, video: videoMs },
      },
    };
  }

  /** The task's aspect, length and files as the engine takes them: pictures fitted to the aspect's frame size, the
   * clip to extend decoded at the model's rate and size. */
  private async engineInputs(pipeline: KineoPipeline, request: ProviderRequest): Promise<Partial<GenerateRequest>> {
    const aspect = request.aspect ?? '1:1';
    const { width, height } = pipeline.sizeOf(aspect);
    const { fps } = pipeline.manifest.video;
    const seconds = request.seconds === undefined ? undefined : Number(request.seconds);
    const frames = seconds === undefined || !Number.isFinite(seconds) ? undefined : Math.round(seconds * fps);
    const picture = (bytes?: Buffer) => (bytes ? fitImage(bytes, width, height) : undefined);
    let extend: RgbClip | undefined;
    if (request.extend) {
      const dir = mkdtempSync(join(tmpdir(), 'kineo-extend-'));
      try {
        const path = join(dir, 'clip.mp4');
        writeFileSync(path, request.extend);
        const out = pipeline.outputSizeOf(aspect); // kept at the size the model draws: its frames stay as sharp as they were
        extend = await decodeVideoFile(path, out.width, out.height, fps, pipeline.capabilities.maxFrames - 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return { aspect, frames: frames === pipeline.manifest.video.frames && !extend ? undefined : frames, image: await picture(request.image), lastImage: await picture(request.lastImage), extend };
  }

  async close(): Promise<void> {
    if (this.pipeline) await (await this.pipeline.catch(() => undefined))?.release();
    this.pipeline = undefined;
  }
}

const options = {
  /** An installed model's name or a model directory. */
  model: z.string().min(1).default(DEFAULT_MODEL),
  threads: z.number().int().min(1).max(256).default(2),
  /** Load the model at start (readyz waits for it) rather than on the first job. */
  preload: z.boolean().default(true),
};

export const builtinKind = defineKind({
  options: z.strictObject(options),
  defaults: { workers: 1, concurrency: 1 },
  create: (i) => new BuiltinProvider(i.model, i.threads, i.name, i.preload),
  legacy: legacySection({
    schema: z.strictObject(options),
    env: [['KINEO_MODEL', 'model', 'str'], ['KINEO_THREADS', 'threads', 'int']],
    workersEnv: 'KINEO_WORKERS_BUILTIN',
    instance: (section) => ({ name: 'builtin', kind: 'builtin', ...section }),
  }),
});
