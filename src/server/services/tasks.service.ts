/**
 * Tasks as clients see them: create (idempotency keys, per-key slots, the global queue bound, credits reserved in
 * the same transaction as the task row and its queue row), read, list, cancel, delete, remix.
 */
import { randomInt } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../core/db/database.js';
import type { Capability, WireFormat } from '../../core/db/schema.js';
import { CommitBatcher } from '../repositories/commit-batcher.js';
import { idempotencyRepository } from '../repositories/idempotency.repository.js';
import { keysRepository } from '../../core/repositories/keys.repository.js';
import { ledgerRepository } from '../../core/repositories/ledger.repository.js';
import { isTerminal, tasksRepository, type TaskPage, type TaskRow } from '../../core/repositories/tasks.repository.js';
import { errors } from '../../core/errors.js';
import type { Metrics } from '../../core/metrics.js';
import type { TaskParams } from '../../core/tasks/task-params.js';
import type { FilesService } from '../../core/services/files.service.js';
import type { Providers } from '../../core/providers/catalog.js';
import type { TaskLifecycle } from '../../core/tasks/task-lifecycle.js';
import type { UrlGuard } from '../../core/services/url-guard.js';
import { secondsOf, type Provider } from '../../core/providers/provider.js';
import { idempotencyFingerprint, lostRaceOn, SlotsTaken, type RetryAfter } from '../../core/tasks/admission.js';
import { deliveredSize, enqueueTasks, newTaskRow } from '../../core/tasks/task-row.js';

/**
 * How the caller's wire format names the fields a provider's capabilities are checked against, so that a refusal
 * points at the field the client sent (Kling `model_name`/`duration`, OpenAI `seconds`/`input_reference`).
 */
export interface FieldNames {
  model: string;
  seconds: string;
  image: string;
  lastFrame: string;
}

const NATIVE_FIELDS: FieldNames = { model: 'model', seconds: 'seconds', image: 'image', lastFrame: 'image_tail' };

export interface NewTask {
  api: WireFormat;
  capability: Capability;
  /** The model asked for (undefined: the default model). */
  model?: string;
  prompt: string;
  negativePrompt?: string;
  /** Generation settings; seed drawn at random when absent. */
  settings: Partial<Pick<TaskParams, 'seed' | 'steps' | 'guidance' | 'shift' | 'scheduler'>>;
  /** Duration asked for, in seconds (a string as in both wire formats); must be what the model makes. */
  seconds?: string;
  /** Output size in pixels across (default config.output.size). */
  outputSize?: number;
  /** Wire-format fields kept to echo them back. */
  echo?: Partial<Pick<TaskParams, 'aspect_ratio' | 'mode' | 'cfg_scale' | 'camera_control' | 'effect_scene'>>;
  externalTaskId?: string;
  callbackUrl?: string;
  remixedFrom?: string;
  /** An image to start from (image-to-video): refused unless the provider can. */
  hasImage?: boolean;
  /** A last frame to end on: refused unless the provider can. */
  hasLastFrame?: boolean;
  /** The request's names for the checked fields (default: the native API's). */
  fields?: Partial<FieldNames>;
}

export interface CreateOptions {
  idempotencyKey?: string;
  /** What identifies the request for idempotency (its parsed body); a reused key with another body is refused. */
  fingerprint: unknown;
}

/** The duration of every clip of a provider, in seconds, as the wire formats write it ("2"). */
export function durationOf(provider: Provider): string {
  return provider.capabilities.durations[0] ?? secondsOf(provider.shape());
}

/** Refuses, with a 400 naming the field, what the provider's capabilities rule out. */
export function checkCapabilities(provider: Provider, input: Pick<NewTask, 'capability' | 'hasImage' | 'hasLastFrame' | 'seconds'>, fields: FieldNames): string {
  const caps = provider.capabilities;
  const shape = provider.shape();
  if (input.hasImage && !caps.image) {
    throw errors.unsupported(`${provider.model} is text-to-video only: image-to-video (an image or input_reference) is not available yet; send a prompt alone`, fields.image);
  }
  if (input.hasLastFrame && !caps.lastFrame) throw errors.unsupported(`${provider.model} cannot end on a given last frame; leave out ${fields.lastFrame}`, fields.lastFrame);
  if (input.capability === 'effects' && !caps.effects) throw errors.unsupported(`${provider.model} does not apply effect templates; choose another model`, fields.model);
  if (input.capability === 'text2video' && !input.hasImage && !caps.text) {
    throw errors.unsupported(`${provider.model} needs an image to start from; send ${fields.image}`, fields.image);
  }
  const seconds = durationOf(provider);
  if (input.seconds !== undefined && !caps.durations.includes(input.seconds)) {
    throw errors.unsupported(
      `${provider.model} makes ${seconds}-second clips (${shape.frames} frames at ${shape.fps} fps); it cannot make ${input.seconds} seconds. Leave out the duration or pass "${seconds}"`,
      fields.seconds,
    );
  }
  return input.seconds ?? seconds;
}

export class TasksService {
  private readonly batcher: CommitBatcher;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly providers: Providers,
    private readonly lifecycle: TaskLifecycle,
    private readonly files: FilesService,
    private readonly guard: UrlGuard,
    private readonly metrics: Metrics,
    private readonly retryAfter: RetryAfter,
    private readonly wakeWorkers: (provider: string) => void,
  ) {
    this.batcher = new CommitBatcher(db);
  }

  /** Checks what a request asks against what the provider makes; returns the provider and the stored params. */
  private plan(input: NewTask): { provider: Provider; params: TaskParams } {
    const fields = { ...NATIVE_FIELDS, ...input.fields };
    const provider = this.providers.forModel(input.model, fields.model);
    const seconds = checkCapabilities(provider, input, fields);
    if (!input.prompt.trim()) throw errors.invalid('prompt is empty; describe the video to make', 'prompt');
    const max = this.config.security.maxPromptChars;
    if (input.prompt.length > max) throw errors.invalid(`prompt has ${input.prompt.length} characters; at most ${max} are allowed`, 'prompt');
    if ((input.negativePrompt?.length ?? 0) > max) throw errors.invalid(`negative_prompt has more than ${max} characters`, 'negative_prompt');
    const outputSize = input.outputSize ?? this.config.output.size;
    const params: TaskParams = {
      seed: input.settings.seed ?? randomInt(0, 2 ** 31 - 1),
      ...(input.settings.steps !== undefined ? { steps: input.settings.steps } : {}),
      ...(input.settings.guidance !== undefined ? { guidance: input.settings.guidance } : {}),
      ...(input.settings.shift !== undefined ? { shift: input.settings.shift } : {}),
      ...(input.settings.scheduler !== undefined ? { scheduler: input.settings.scheduler } : {}),
      output_size: outputSize, seconds, size: deliveredSize(provider.shape(), outputSize),
      ...input.echo,
    };
    return { provider, params };
  }

  async create(keyId: string, input: NewTask, options: CreateOptions): Promise<{ task: TaskRow; replayed: boolean }> {
    const requestSha = idempotencyFingerprint(options.idempotencyKey, options.fingerprint);
    if (options.idempotencyKey !== undefined) {
      const replay = await this.replay(keyId, options.idempotencyKey, requestSha);
      if (replay) return { task: replay, replayed: true };
    }
    const { provider, params } = this.plan(input);
    if (input.callbackUrl) await this.guard.check(input.callbackUrl, 'callback_url');
    if (input.externalTaskId && (await tasksRepository.byExternalId(this.db, keyId, input.externalTaskId))) {
      throw errors.conflict('duplicate_external_task_id', `external_task_id "${input.externalTaskId}" is already used by another task of this key; choose a unique one`);
    }
    const queued = this.lifecycle.queuedCount;
    if (queued >= this.config.queue.maxQueued) throw errors.queueFull(await this.retryAfter.seconds(provider, queued));

    const price = this.providers.priceOf(provider);
    const now = Date.now();
    const row = newTaskRow({
      keyId, api: input.api, capability: input.capability, provider, prompt: input.prompt, negativePrompt: input.negativePrompt, params, price,
      externalTaskId: input.externalTaskId, callbackUrl: input.callbackUrl, remixedFrom: input.remixedFrom,
    }, now);
    try {
      await this.batcher.run(async (trx) => {
        const taken = await keysRepository.takeSlotAndReserve(trx, keyId, price, this.config.queue.perKeyActive);
        if (!taken) {
          const key = await keysRepository.byId(trx, keyId);
          if (!key) throw errors.authInvalid();
          if (key.active >= this.config.queue.perKeyActive) throw new SlotsTaken(key.active);
          throw errors.insufficientCredits(key.balance, price);
        }
        await enqueueTasks(trx, [row], now);
        if (options.idempotencyKey !== undefined) {
          await idempotencyRepository.insert(trx, { key_id: keyId, idempotency_key: options.idempotencyKey, request_sha256: requestSha, task_id: row.id, created_at: now });
        }
      }, { savepoint: options.idempotencyKey !== undefined || input.externalTaskId !== undefined });
    } catch (err) {
      if (err instanceof SlotsTaken) throw errors.keyBusy(err.active, await this.retryAfter.seconds(provider, err.active));
      // Two requests with one Idempotency-Key at once: the second loses the insert race and answers like a replay.
      if (options.idempotencyKey !== undefined && lostRaceOn(err, 'idempotency')) {
        const replayed = await this.replay(keyId, options.idempotencyKey, requestSha);
        if (replayed) return { task: replayed, replayed: true };
      }
      if (input.externalTaskId !== undefined && lostRaceOn(err, 'tasks')) {
        throw errors.conflict('duplicate_external_task_id', `external_task_id "${input.externalTaskId}" is already used by another task of this key`);
      }
      throw err;
    }
    this.lifecycle.noteCreated();
    this.metrics.tasksCreated.inc({ api: input.api, provider: provider.name });
    this.wakeWorkers(provider.name);
    return { task: row, replayed: false };
  }

  private async replay(keyId: string, idempotencyKey: string, requestSha: string): Promise<TaskRow | undefined> {
    const hit = await idempotencyRepository.get(this.db, keyId, idempotencyKey);
    if (!hit) return undefined;
    if (hit.request_sha256 !== requestSha) {
      throw errors.conflict('idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new request');
    }
    const task = await tasksRepository.byId(this.db, hit.task_id);
    if (!task || task.key_id !== keyId) throw errors.notFound(`task ${hit.task_id}`);
    return task;
  }

  async get(keyId: string, id: string): Promise<TaskRow> {
    const task = await tasksRepository.get(this.db, keyId, id);
    if (!task) throw errors.notFound(`task ${id}`);
    return task;
  }

  /** By task id or, failing that, by the client's external_task_id (Kling). */
  async getByIdOrExternal(keyId: string, id: string): Promise<TaskRow> {
    const task = (await tasksRepository.get(this.db, keyId, id)) ?? (await tasksRepository.byExternalId(this.db, keyId, id));
    if (!task) throw errors.notFound(`task ${id}`);
    return task;
  }

  /** A page of tasks; `after` is a task id of this key (cursor paging). */
  async list(keyId: string, opts: { order: 'asc' | 'desc'; limit: number; after?: string; offset?: number; capability?: string }): Promise<{ tasks: TaskRow[]; hasMore: boolean }> {
    let after: TaskPage['after'];
    if (opts.after) {
      const cursor = await tasksRepository.get(this.db, keyId, opts.after);
      if (!cursor) throw errors.invalid(`after: no task ${opts.after} of this key`, 'after');
      after = { created_at: cursor.created_at, id: cursor.id };
    }
    const rows = await tasksRepository.page(this.db, { keyId, order: opts.order, limit: opts.limit + 1, after, offset: opts.offset, capability: opts.capability });
    return { tasks: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
  }

  /**
   * Cancels a task: a queued one at once (credits released); a running one through its AbortSignal (the worker
   * stops at the next step and releases the credits). A finished task stays as it is.
   */
  async cancel(keyId: string, id: string, abortRunning: (taskId: string) => void): Promise<TaskRow> {
    const task = await this.get(keyId, id);
    if (isTerminal(task.status)) return task;
    await tasksRepository.update(this.db, id, { cancel_requested: 1, updated_at: Date.now() });
    if (task.status === 'queued') {
      const done = await this.lifecycle.finish(id, 'cancelled', 'cancelled', 'the task was cancelled');
      if (done) return done;
    }
    abortRunning(id);
    return this.get(keyId, id);
  }

  /** Deletes a task and its files (cancelling it first when it still runs). */
  async delete(keyId: string, id: string, abortRunning: (taskId: string) => void): Promise<TaskRow> {
    let task = await this.get(keyId, id);
    if (!isTerminal(task.status)) task = await this.cancel(keyId, id, abortRunning);
    await tasksRepository.update(this.db, id, { deleted_at: Date.now() });
    await this.files.removeForTask(id);
    return task;
  }

  /** A remix: the source's parameters with a new prompt (the source must have completed). */
  async remix(keyId: string, sourceId: string, prompt: string, options: CreateOptions): Promise<{ task: TaskRow; replayed: boolean }> {
    const source = await this.get(keyId, sourceId);
    if (source.status !== 'succeeded') throw errors.conflict('video_not_completed', `video ${sourceId} is ${source.status}; only a completed video can be remixed`);
    const p = JSON.parse(source.params) as TaskParams;
    return this.create(keyId, {
      api: source.api, capability: source.capability, model: source.model, prompt, negativePrompt: source.negative_prompt ?? undefined,
      settings: { seed: p.seed, steps: p.steps, guidance: p.guidance, shift: p.shift, scheduler: p.scheduler },
      outputSize: p.output_size, remixedFrom: source.id,
    }, options);
  }

  async balance(keyId: string) {
    const key = await keysRepository.byId(this.db, keyId);
    if (!key) throw errors.authInvalid();
    return {
      balance: key.balance, reserved: await ledgerRepository.reserved(this.db, keyId), price_per_clip: this.config.credits.pricePerClip,
      active_tasks: key.active, max_active_tasks: this.config.queue.perKeyActive,
    };
  }

  async ledger(keyId: string, limit: number) {
    return (await ledgerRepository.forKey(this.db, keyId, limit)).map((e) => ({ id: e.id, task_id: e.task_id, kind: e.kind, amount: e.amount, created_at: e.created_at }));
  }
}
