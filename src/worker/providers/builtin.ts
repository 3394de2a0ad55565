/** The built-in provider: the Kineo engine (onnxruntime on the CPU). The pipeline is loaded once and reused. */
import { DEFAULT_MODEL, readInstalledModel, resolveModel } from '../../engine/models.js';
import { GenerationError, KineoPipeline } from '../../engine/pipeline.js';
import { encodeClipFiles, generationMetadata } from '../../engine/outputs.js';
import { ProviderError, type ClipShape, type Provider, type ProviderContext, type ProviderRequest, type ProviderResult } from './provider.js';

export class BuiltinProvider implements Provider {
  readonly name = 'builtin';
  readonly imageToVideo = false;
  readonly model: string;
  private readonly dir: string;
  private readonly clip: ClipShape;
  private pipeline?: Promise<KineoPipeline>;

  constructor(model: string = DEFAULT_MODEL, private readonly threads = 2) {
    this.dir = resolveModel(model);
    const installed = readInstalledModel(this.dir);
    if (!installed) throw new Error(`${this.dir} has no kineo-t2v/1 model.json`);
    this.model = installed.name;
    this.clip = { model: installed.name, version: installed.version, frames: installed.frames, fps: installed.fps, width: installed.width, height: installed.height };
  }

  shape(): ClipShape {
    return this.clip;
  }

  start(): Promise<void> {
    this.pipeline ??= KineoPipeline.load(this.dir, { threads: this.threads });
    return this.pipeline.then(() => undefined);
  }

  async generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult> {
    await this.start();
    const pipeline = await this.pipeline!;
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
