/**
 * The job handler for a generation task. Idempotent: the task row says what is done (a finished task is skipped at
 * claim), outputs are content-addressed under fixed file ids, and the final transition captures credits once.
 * While it runs it renews its lease, writes progress snapshots (≤ 5 per second, with a preview PNG) and stops at
 * the next step when the task is cancelled or the lease is lost.
 */
import { PNG } from 'pngjs';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Claimed, TaskLifecycle } from '../core/tasks/task-lifecycle.js';
import type { TaskParams } from '../core/tasks/task-params.js';
import type { PreviewImage } from '../engine/latents.js';
import { ProviderError, type Provider, type ProviderProgress } from '../core/providers/provider.js';
import { TaskInputMissing } from '../core/tasks/task-inputs.js';
import type { ProviderCallbacks } from '../core/providers/callbacks.js';

/** Progress in percent from a provider snapshot: encode 0–5, steps 5–90, decode/video 90–99. */
export function percentOf(p: ProviderProgress): number {
  switch (p.phase) {
    case 'encode':
      return 2;
    case 'denoise':
    case 'render':
      return Math.round(5 + (85 * p.step) / Math.max(1, p.of));
    case 'decode':
      return 92;
    case 'video':
    case 'done':
      return 96;
  }
}

export function previewDataUrl(p: PreviewImage): string {
  const png = new PNG({ width: p.width, height: p.height });
  for (let i = 0, j = 0; i < p.width * p.height; i++, j += 3) {
    png.data[i * 4] = p.rgb[j]!;
    png.data[i * 4 + 1] = p.rgb[j + 1]!;
    png.data[i * 4 + 2] = p.rgb[j + 2]!;
    png.data[i * 4 + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

export type StopReason = 'cancel' | 'lease_lost' | 'shutdown';

export interface RunningJob {
  claimed: Claimed;
  stop(reason: StopReason): void;
}

export interface HandlerDeps {
  lifecycle: TaskLifecycle;
  config: Config;
  log: FastifyBaseLogger;
  /** Remote providers' callbacks (a task gets a callback URL when the server has a public URL). */
  callbacks?: ProviderCallbacks;
}

export async function runGenerateJob(claimed: Claimed, provider: Provider, deps: HandlerDeps, register: (job: RunningJob) => () => void): Promise<void> {
  const { lifecycle, config, log } = deps;
  const { task } = claimed;
  const controller = new AbortController();
  let reason: StopReason | undefined;
  const stop = (why: StopReason) => {
    reason ??= why;
    controller.abort();
  };
  const unregister = register({ claimed, stop });
  const renewal = setInterval(() => {
    lifecycle.renew(task.id, claimed.owner).then(({ ours, cancel }) => {
      if (!ours) stop('lease_lost');
      else if (cancel) stop('cancel');
    }, (err) => log.warn({ err, task: task.id }, 'lease renewal failed'));
  }, config.queue.renewMs);
  renewal.unref();

  const minGapMs = 200; // ≤ 5 snapshots per second
  let lastWrite = 0;
  let writing = Promise.resolve();
  const onProgress = (p: ProviderProgress) => {
    const now = Date.now();
    if (now - lastWrite < minGapMs && p.phase !== 'decode' && p.phase !== 'video') return;
    lastWrite = now;
    const preview = p.preview ? previewDataUrl(p.preview) : null;
    writing = writing.then(() => lifecycle.progress(task.id, percentOf(p), { step: p.step, of: p.of, phase: p.phase, elapsed_ms: Math.round(p.elapsedMs) }, preview))
      .catch((err) => log.warn({ err, task: task.id }, 'progress write failed'));
  };

  const params = JSON.parse(task.params) as TaskParams;
  const callback = deps.callbacks?.open(task.id);
  const t0 = performance.now();
  try {
    // Inputs come from storage (the row holds their keys); one that is gone fails the task below, never runs without it.
    const inputs = await lifecycle.inputsOf(task);
    const result = await provider.generate({
      taskId: task.id, prompt: task.prompt, negativePrompt: task.negative_prompt ?? undefined, seed: params.seed,
      steps: params.steps, guidance: params.guidance, shift: params.shift, scheduler: params.scheduler,
      outputSize: params.output_size, outputHeight: params.output_height, aspect: params.aspect,
      // an extension's provider draws the added seconds; `seconds` is the stitched total the clients see
      seconds: params.extend_seconds ?? params.seconds,
      ...(params.effect ? { effect: params.effect } : {}),
      ...inputs,
    }, { signal: controller.signal, onProgress, ...(callback ? { callback } : {}) });
    await writing;
    if (reason === 'lease_lost') return; // another worker owns the task now; its result will count
    await lifecycle.succeed(claimed, result, performance.now() - t0);
  } catch (err) {
    await writing;
    if (reason === 'shutdown') {
      await lifecycle.giveBack(claimed);
      log.info({ task: task.id }, 'shutting down: the task goes back to the queue');
    } else if (reason === 'lease_lost') {
      log.warn({ task: task.id }, 'lease lost: another worker runs this task');
    } else if (reason === 'cancel' || (err instanceof ProviderError && err.code === 'aborted')) {
      await lifecycle.finish(task.id, 'cancelled', 'cancelled', 'the task was cancelled');
    } else if (err instanceof TaskInputMissing) {
      log.error({ err, task: task.id }, 'a task input is missing from storage');
      await lifecycle.finish(task.id, 'failed', 'input_unavailable', err.message);
    } else if (err instanceof ProviderError && err.code === 'invalid_request') {
      await lifecycle.finish(task.id, 'failed', 'invalid_request', err.message);
    } else if (claimed.attempt < config.queue.maxAttempts) {
      log.error({ err, task: task.id, attempt: claimed.attempt }, 'generation failed; retrying');
      await lifecycle.retryLater(claimed, 1000 * 2 ** (claimed.attempt - 1), `attempt ${claimed.attempt} failed: ${(err as Error).message}`);
    } else {
      log.error({ err, task: task.id }, 'generation failed for good');
      await lifecycle.finish(task.id, 'failed', 'generation_failed', `the generation failed: ${(err as Error).message}`);
    }
  } finally {
    callback?.close();
    clearInterval(renewal);
    unregister();
  }
}
