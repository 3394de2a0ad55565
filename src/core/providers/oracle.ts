/**
 * The oracle provider renders the ground truth of a caption with the procedural world (milliseconds): the fast
 * provider for tests, benchmarks and the arena. `delayMs` stretches it over ten progress steps (crash tests, demos).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { renderCaption } from '../../world/index.js';
import { encodeClipFiles, generationMetadata } from '../../engine/outputs.js';
import { defineKind, legacySection } from './kind.js';
import { ProviderError, secondsOf, type ArenaContestant, type ClipShape, type Provider, type ProviderCapabilities, type ProviderContext, type ProviderRequest, type ProviderResult } from './provider.js';

const SHAPE: ClipShape = { model: 'oracle', version: 'world-1', frames: 16, fps: 8, width: 64, height: 64 };
const STEPS = 10;

export class OracleProvider implements Provider {
  readonly capabilities: ProviderCapabilities = {
    text: true, image: false, lastFrame: false, extend: false, effects: true, aspects: ['1:1'], durations: [secondsOf(SHAPE)],
  };

  constructor(private readonly delayMs = 0, readonly name = 'oracle', readonly model = 'oracle') {}

  /** Rendering takes milliseconds; the delay is what a job costs. */
  readonly readsWorldPrompts = true;
  get expectedRunS(): number {
    return Math.max(0.2, this.delayMs / 1000);
  }

  /**
   * None by default: the oracle draws the world's crisp ground truth, which a voter tells from any model at a glance,
   * so a pair with it is not blind. Name it in config.arena.contestants to rank it anyway.
   */
  contestants(): ArenaContestant[] {
    return [];
  }

  shape(): ClipShape {
    return SHAPE;
  }

  async start(): Promise<void> {}

  async generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult> {
    const start = performance.now();
    const elapsedMs = () => performance.now() - start;
    const check = () => {
      if (ctx.signal.aborted) throw new ProviderError('generation was cancelled', 'aborted');
    };
    check();
    let rendered;
    try {
      rendered = renderCaption(request.prompt, request.seed, { frames: SHAPE.frames, height: SHAPE.height, width: SHAPE.width });
    } catch (err) {
      // A caption the world cannot draw is the request's fault: fail the task at once, no retry.
      throw new ProviderError(`the oracle cannot draw this prompt: ${(err as Error).message}`, 'invalid_request');
    }
    const { clip, unknownWords } = rendered;
    const preview = { width: SHAPE.width, height: SHAPE.height, rgb: clip.data.subarray(0, SHAPE.width * SHAPE.height * 3) };
    for (let step = 1; step <= STEPS; step++) {
      if (this.delayMs > 0) await sleep(this.delayMs / STEPS, undefined, { signal: ctx.signal }).catch(() => undefined);
      check();
      ctx.onProgress({ step, of: STEPS, phase: 'render', elapsedMs: elapsedMs(), preview });
    }
    const renderMs = Math.round(elapsedMs());
    ctx.onProgress({ step: STEPS, of: STEPS, phase: 'video', elapsedMs: elapsedMs() });
    const files = await encodeClipFiles(clip, {
      fps: SHAPE.fps, outputSize: request.outputSize,
      metadata: generationMetadata({ model: { name: SHAPE.model, version: SHAPE.version }, seed: request.seed }, request.prompt, request.taskId, request.negativePrompt),
    });
    return {
      ...files,
      meta: { ...SHAPE, seed: request.seed, unknownWords, timingsMs: { render: renderMs, video: Math.round(elapsedMs()) - renderMs, total: Math.round(elapsedMs()) } },
    };
  }

  async close(): Promise<void> {}
}

const options = {
  /** Stretches a job over this many ms in ten progress steps (tests, demos). */
  delayMs: z.number().int().min(0).max(600_000).default(0),
};
/** The model name clients ask for; a second oracle instance needs another. */
const as = { as: z.string().min(1).max(200).default('oracle') };

export const oracleKind = defineKind({
  options: z.strictObject({ ...options, ...as }),
  defaults: { workers: 2, concurrency: 4 },
  create: (i) => new OracleProvider(i.delayMs, i.name, i.as),
  legacy: legacySection({
    schema: z.strictObject({ enabled: z.boolean().default(true), ...options }),
    env: [['KINEO_ORACLE_DELAY_MS', 'delayMs', 'int']],
    workersEnv: 'KINEO_WORKERS_ORACLE',
    instance: ({ enabled, ...rest }) => (enabled ? { name: 'oracle', kind: 'oracle', ...rest } : null),
  }),
});
