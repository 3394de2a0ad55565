/**
 * The built-in provider: the Kineo engine (onnxruntime on the CPU). The pipeline is loaded once, in start(), through
 * a dynamic import: describing the provider (its model, shape and capabilities) reads model.json only, so a
 * scale-out server that lists it for admission never loads model code.
 */
import { z } from 'zod';
import { DEFAULT_MODEL, readInstalledModel, resolveModel } from '../../engine/models.js';
import type { KineoPipeline } from '../../engine/pipeline.js';
import { defineKind, legacySection } from './kind.js';
import { ProviderError, secondsOf, type ArenaContestant, type ClipShape, type Provider, type ProviderCapabilities, type ProviderContext, type ProviderRequest, type ProviderResult } from './provider.js';

export class BuiltinProvider implements Provider {
  readonly model: string;
  readonly capabilities: ProviderCapabilities;
  /** A 2-second clip of kineo-mini takes about this long on 2 cores (README, bench:engine). */
  readonly expectedRunS = 3;
  private readonly dir: string;
  private readonly clip: ClipShape;
  private pipeline?: Promise<KineoPipeline>;

  constructor(model: string = DEFAULT_MODEL, private readonly threads = 2, readonly name = 'builtin', readonly preload = true) {
    this.dir = resolveModel(model);
    const installed = readInstalledModel(this.dir);
    if (!installed) throw new Error(`${this.dir} has no kineo-t2v/1 model.json`);
    this.model = installed.name;
    this.clip = { model: installed.name, version: installed.version, frames: installed.frames, fps: installed.fps, width: installed.width, height: installed.height };
    this.capabilities = {
      text: true, image: false, lastFrame: false, extend: false, effects: true,
      aspects: [installed.width === installed.height ? '1:1' : `${installed.width}:${installed.height}`], durations: [secondsOf(this.clip)],
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
      generation = await pipeline.generate({
        prompt: request.prompt, negativePrompt: request.negativePrompt, seed: request.seed, steps: request.steps,
        guidance: request.guidance, shift: request.shift, scheduler: request.scheduler, signal: ctx.signal,
        onProgress: (s) => ctx.onProgress({ step: s.step, of: s.of, phase: s.phase, elapsedMs: s.elapsedMs, preview: s.preview }),
      });
    } catch (err) {
      if (err instanceof GenerationError) throw new ProviderError(err.message, err.code);
      throw err;
    }
    if (ctx.signal.aborted) throw new ProviderError('generation was cancelled', 'aborted');
    const t0 = performance.now();
    const files = await encodeClipFiles(generation, {
      fps: generation.fps, outputSize: request.outputSize,
      metadata: generationMetadata(generation, request.prompt, request.taskId, request.negativePrompt),
    });
    const videoMs = Math.round(performance.now() - t0);
    return {
      ...files,
      meta: {
        ...this.clip, seed: generation.seed, unknownWords: generation.unknownWords,
        timingsMs: { ...generation.timings, video: videoMs },
      },
    };
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
