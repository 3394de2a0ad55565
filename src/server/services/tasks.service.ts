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
import { parseParams, type TaskParams } from '../../core/tasks/task-params.js';
import type { FilesService } from '../../core/services/files.service.js';
import type { Providers } from '../../core/providers/catalog.js';
import type { TaskLifecycle } from '../../core/tasks/task-lifecycle.js';
import type { UrlGuard } from '../../core/services/url-guard.js';
import { secondsOf, type Aspect, type Provider } from '../../core/providers/provider.js';
import { clipPrice } from '../../core/providers/pricing.js';
import { filesRepository } from '../../core/repositories/files.repository.js';
import { inputFileRows, INPUT_FILE_KIND, type InputRole } from '../../core/tasks/task-inputs.js';
import type { InputsService, PictureSource, StoredPicture, StoredVideo, VideoSource } from './inputs.service.js';
import { ModelNames } from './model-names.js';
import { normalisePrompt, WORLD_SUMMARY } from '../../world/normalise.js';
import { idempotencyFingerprint, lostRaceOn, SlotsTaken, type RetryAfter } from '../../core/tasks/admission.js';
import { deliveredSize, enqueueTasks, newTaskRow } from '../../core/tasks/task-row.js';

/**
 * How the caller's wire format names the fields a provider's capabilities are checked against, so that a refusal
 * points at the field the client sent (Kling `model_name`/`duration`/`aspect_ratio`, OpenAI `seconds`/`size`/
 * `input_reference`).
 */
export interface FieldNames {
  model: string;
  seconds: string;
  image: string;
  lastFrame: string;
  aspect: string;
  extend: string;
}

const NATIVE_FIELDS: FieldNames = { model: 'model', seconds: 'seconds', image: 'image', lastFrame: 'last_image', aspect: 'aspect_ratio', extend: 'extend' };

export interface NewTask {
  api: WireFormat;
  capability: Capability;
  /** The model asked for (undefined: the default model); Kling and Sora names map through ModelNames. */
  model?: string;
  prompt: string;
  negativePrompt?: string;
  /** Generation settings; seed drawn at random when absent. */
  settings: Partial<Pick<TaskParams, 'seed' | 'steps' | 'guidance' | 'shift' | 'scheduler'>>;
  /** Duration asked for, in seconds (a string as in both wire formats); one of the provider's durations. For an
   * extension: the seconds added. */
  seconds?: string;
  /** The wire format's own default length for a request that omits it (Kling "5", OpenAI "4"): drawn when the
   * provider makes it, else the provider's default — so a client gets the length its API documents where it can. */
  defaultSeconds?: string;
  /** Aspect ratio asked for; absent: the extended clip's, else the picture's nearest, else the provider's default. */
  aspect?: Aspect;
  /** Output size in pixels across (default config.output.size; an extension: its source's). */
  outputSize?: number;
  /** Exact output height (OpenAI "720x1280"); default: the aspect's height at outputSize across. */
  outputHeight?: number;
  /** The first frame (image-to-video): checked and stored before the task is queued. */
  image?: PictureSource;
  /** The last frame to end on. */
  lastImage?: PictureSource;
  /** A clip the new seconds continue (the result is that clip followed by `seconds` more). */
  extend?: VideoSource;
  /** Wire-format fields kept to echo them back. */
  echo?: Partial<Pick<TaskParams, 'aspect_ratio' | 'mode' | 'cfg_scale' | 'camera_control' | 'effect_scene'>>;
  /** An effect template's id and subject, apart (the prompt holds them composed). */
  effect?: TaskParams['effect'];
  externalTaskId?: string;
  callbackUrl?: string;
  remixedFrom?: string;
  /** The request's names for the checked fields (default: the native API's). */
  fields?: Partial<FieldNames>;
}

export interface CreateOptions {
  idempotencyKey?: string;
  /**
   * The route family an Idempotency-Key belongs to (default: the task's wire format): the same key sent to the
   * OpenAI and the native API names two requests, not one.
   */
  scope?: string;
  /** What identifies the request for idempotency (its parsed body); a reused key with another body is refused. */
  fingerprint: unknown;
}

/** The default clip length of a provider, in seconds, as the wire formats write it ("2"). */
export function durationOf(provider: Provider): string {
  return provider.capabilities.durations[0] ?? secondsOf(provider.shape());
}

/** "7" or "6.04": seconds as the wire formats write them. */
const secondsText = (s: number) => (Number.isInteger(s) ? String(s) : s.toFixed(2));

/** What a request asks of a provider, before any input is fetched. */
export interface CapabilityAsk {
  capability: Capability;
  seconds?: string;
  /** The length to draw when `seconds` is absent, if the provider makes it. */
  defaultSeconds?: string;
  aspect?: Aspect;
  image?: boolean;
  lastImage?: boolean;
  extend?: boolean;
}

/** Refuses, with a 400 naming the field, what the provider's capabilities rule out; returns the seconds to draw. */
export function checkCapabilities(provider: Provider, ask: CapabilityAsk, names: Partial<FieldNames> = {}): string {
  const fields = { ...NATIVE_FIELDS, ...names };
  const caps = provider.capabilities;
  if (ask.image && !caps.image) {
    throw errors.unsupported(`${provider.model} is text-to-video only: it cannot start from a picture; leave out ${fields.image} or choose a model that takes pictures (GET /api/models)`, fields.image);
  }
  if (ask.lastImage && !caps.lastFrame) throw errors.unsupported(`${provider.model} cannot end on a given last frame; leave out ${fields.lastFrame}`, fields.lastFrame);
  if (ask.extend && !caps.extend) throw errors.unsupported(`${provider.model} cannot extend a video; choose a model that can (GET /api/models)`, fields.extend);
  if (ask.capability === 'effects' && !caps.effects) throw errors.unsupported(`${provider.model} does not apply effect templates; choose another model`, fields.model);
  if (!ask.image && !ask.extend && !caps.text) throw errors.unsupported(`${provider.model} needs a picture to start from; send ${fields.image}`, fields.image);
  if (ask.aspect !== undefined && !caps.aspects.includes(ask.aspect)) {
    throw errors.unsupported(`${provider.model} draws ${caps.aspects.join(', ')}; it cannot make ${ask.aspect}. Pass one of those or leave ${fields.aspect} out`, fields.aspect);
  }
  const seconds = durationOf(provider);
  if (ask.seconds !== undefined && !caps.durations.includes(ask.seconds)) {
    const shape = provider.shape();
    const makes = caps.durations.length > 1
      ? `makes clips of ${caps.durations.join(', ')} seconds`
      : `makes ${seconds}-second clips (${shape.frames} frames at ${shape.fps} fps)`;
    throw errors.unsupported(`${provider.model} ${makes}; it cannot make ${ask.seconds} seconds. Leave out the duration or pass "${seconds}"`, fields.seconds);
  }
  return ask.seconds ?? (ask.defaultSeconds !== undefined && caps.durations.includes(ask.defaultSeconds) ? ask.defaultSeconds : seconds);
}

/** Refuses a prompt in which the normaliser finds no concept, with a sentence that says what the model draws. */
export function checkPromptUsable(prompt: string): void {
  const reading = normalisePrompt(prompt);
  if (reading.usable) return;
  const what = reading.unused.length ? `nothing in "${reading.unused.join(' ')}"` : 'nothing in this prompt';
  throw errors.promptUnusable(`the model found ${what} that it can draw. It draws ${WORLD_SUMMARY}; write in English or Chinese, e.g. "a fox runs left in the snow" or "夜晚，一枚火箭缓缓升起"`);
}

/** The nearest of `aspects` to a frame size. */
function nearestAspect(width: number, height: number, aspects: Aspect[]): Aspect {
  const ratio = Math.log(width / height);
  const distance = (a: Aspect) => {
    const [w, h] = a.split(':').map(Number);
    return Math.abs(Math.log(w! / h!) - ratio);
  };
  return [...aspects].sort((a, b) => distance(a) - distance(b))[0] ?? '1:1';
}

/** The task's inputs, checked and stored. */
interface ResolvedInputs {
  image?: StoredPicture;
  lastImage?: StoredPicture;
  extend?: StoredVideo;
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
    private readonly inputs: InputsService,
  ) {
    this.batcher = new CommitBatcher(db);
    this.models = new ModelNames(providers, config.modelAliases);
  }

  /** Model names as clients send them (Kling's, OpenAI's, aliases) → providers. */
  readonly models: ModelNames;

  /** The provider of a request and its stored params; every refusal that needs no input's bytes comes first. */
  private async plan(keyId: string, input: NewTask): Promise<{ provider: Provider; params: TaskParams; inputs: ResolvedInputs; price: number; prompt: string }> {
    const fields = { ...NATIVE_FIELDS, ...input.fields };
    // The caller's own video to extend is found first (a database read): an extension that names no model keeps
    // its video's, while that model is still served here.
    const own = input.extend && 'id' in input.extend ? await this.inputs.video(keyId, input.extend, fields.extend) : undefined;
    const keepModel = own?.model !== undefined && this.providers.all().some((p) => p.model === own.model) ? own.model : undefined;
    const provider = this.models.resolve(input.model ?? keepModel, fields.model);
    const asked = checkCapabilities(provider, {
      capability: input.capability, seconds: input.seconds, defaultSeconds: input.extend ? undefined : input.defaultSeconds, aspect: input.aspect,
      image: input.image !== undefined, lastImage: input.lastImage !== undefined, extend: input.extend !== undefined,
    }, fields);
    // A picture may stand for the prompt (Kling's image2video makes it optional); an extension without one continues
    // with its video's own.
    const pictured = input.image !== undefined || input.lastImage !== undefined;
    if (!input.prompt.trim() && !input.extend && !pictured) throw errors.invalid('prompt is empty; describe the video to make', 'prompt');
    const max = this.config.security.maxPromptChars;
    if (input.prompt.length > max) throw errors.invalid(`prompt has ${input.prompt.length} characters; at most ${max} are allowed`, 'prompt');
    if ((input.negativePrompt?.length ?? 0) > max) throw errors.invalid(`negative_prompt has more than ${max} characters`, 'negative_prompt');
    // The native API is told before paying that a text prompt says nothing the model can draw; Kling's and OpenAI's
    // formats keep accepting any prompt, as their clients expect.
    if (input.api === 'native' && provider.readsWorldPrompts && !pictured && !input.extend) checkPromptUsable(input.prompt);

    // Then the inputs: fetched or decoded, checked, stored (each refusal names its field).
    const inputs: ResolvedInputs = {
      image: input.image && (await this.inputs.picture(input.image, fields.image)),
      lastImage: input.lastImage && (await this.inputs.picture(input.lastImage, fields.lastFrame)),
      extend: own ?? (input.extend && (await this.inputs.video(keyId, input.extend, fields.extend))),
    };
    const caps = provider.capabilities;
    const source = inputs.extend;
    const prompt = input.prompt.trim() ? input.prompt : source?.prompt ?? '';
    if (!prompt.trim() && !pictured) throw errors.invalid('prompt is empty; describe what happens next in the video', 'prompt');
    if (source && !caps.aspects.includes(source.aspect)) {
      throw errors.unsupported(`${provider.model} draws ${caps.aspects.join(', ')}; the video to extend is ${source.aspect}`, fields.extend);
    }
    if (source && input.aspect && input.aspect !== source.aspect) {
      throw errors.invalid(`an extension keeps its video's aspect ratio (${source.aspect}); leave ${fields.aspect} out or pass "${source.aspect}"`, fields.aspect);
    }
    const aspect: Aspect = input.aspect ?? source?.aspect
      ?? (inputs.image ? nearestAspect(inputs.image.width, inputs.image.height, caps.aspects) : (caps.aspects[0] ?? '1:1'));
    let seconds = asked;
    if (source) {
      const total = source.seconds + Number(asked);
      const most = this.config.inputs.maxVideoSeconds;
      if (total > most + 1e-6) {
        throw errors.videoTooLong(`the video to extend is ${secondsText(source.seconds)} s; ${asked} s more makes ${secondsText(total)} s, past the longest this server makes (${most} s)`, fields.extend);
      }
      seconds = secondsText(total);
    }
    const maxSteps = this.config.inputs.maxSteps;
    if (input.settings.steps !== undefined && input.settings.steps > maxSteps) {
      throw errors.invalid(`steps: at most ${maxSteps} on this server (inputs.maxSteps); each step takes about as long as the first, and past a few dozen they add little`, 'steps');
    }
    const outputSize = input.outputSize ?? source?.outputSize ?? this.config.output.size;
    // The delivered height is always explicit, so the video is exactly the size the task reports (a model's own
    // frame for an aspect, 112×64 say, is near but not exactly 16:9).
    const [aw, ah] = aspect.split(':').map(Number) as [number, number];
    const outputHeight = input.outputHeight ?? (input.outputSize === undefined ? source?.outputHeight : undefined)
      ?? Number(deliveredSize({ width: aw, height: ah }, outputSize).split('x')[1]);
    const keys = {
      ...(inputs.image ? { image: inputs.image.sha256 } : {}),
      ...(inputs.lastImage ? { last_image: inputs.lastImage.sha256 } : {}),
      ...(source ? { extend: source.sha256 } : {}),
    };
    const params: TaskParams = {
      seed: input.settings.seed ?? randomInt(0, 2 ** 31 - 1),
      ...(input.settings.steps !== undefined ? { steps: input.settings.steps } : {}),
      ...(input.settings.guidance !== undefined ? { guidance: input.settings.guidance } : {}),
      ...(input.settings.shift !== undefined ? { shift: input.settings.shift } : {}),
      ...(input.settings.scheduler !== undefined ? { scheduler: input.settings.scheduler } : {}),
      output_size: outputSize, output_height: outputHeight,
      seconds, ...(source ? { extend_seconds: asked } : {}),
      size: `${outputSize}x${outputHeight}`,
      aspect,
      ...(Object.keys(keys).length ? { inputs: keys } : {}),
      ...(source?.taskId ? { extends_task: source.taskId } : {}),
      ...input.echo,
      ...(input.effect ? { effect: input.effect } : {}),
    };
    const price = clipPrice(this.providers.priceOf(provider), provider, Number(asked));
    return { provider, params, inputs, price, prompt };
  }

  async create(keyId: string, input: NewTask, options: CreateOptions): Promise<{ task: TaskRow; replayed: boolean }> {
    const requestSha = idempotencyFingerprint(options.idempotencyKey, options.fingerprint);
    const idempotencyKey = options.idempotencyKey === undefined ? undefined : `${options.scope ?? input.api}:${options.idempotencyKey}`;
    if (idempotencyKey !== undefined) {
      const replay = await this.replay(keyId, idempotencyKey, requestSha);
      if (replay) return { task: replay, replayed: true };
    }
    if (input.externalTaskId && (await tasksRepository.byExternalId(this.db, keyId, input.externalTaskId))) {
      throw errors.conflict('duplicate_external_task_id', `external_task_id "${input.externalTaskId}" is already used by another task of this key; choose a unique one`);
    }
    const { provider, params, inputs, price, prompt } = await this.plan(keyId, input);
    if (input.callbackUrl) await this.guard.check(input.callbackUrl, 'callback_url');
    const queued = this.lifecycle.queuedCount;
    if (queued >= this.config.queue.maxQueued) throw errors.queueFull(await this.retryAfter.seconds(provider, queued));

    const now = Date.now();
    const row = newTaskRow({
      keyId, api: input.api, capability: input.capability, provider, prompt, negativePrompt: input.negativePrompt, params, price,
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
        for (const file of inputFileRows(row, { image: inputs.image, last_image: inputs.lastImage, extend: inputs.extend }, now)) await filesRepository.insert(trx, file);
        if (idempotencyKey !== undefined) {
          await idempotencyRepository.insert(trx, { key_id: keyId, idempotency_key: idempotencyKey, request_sha256: requestSha, task_id: row.id, created_at: now });
        }
      }, { savepoint: idempotencyKey !== undefined || input.externalTaskId !== undefined });
    } catch (err) {
      if (err instanceof SlotsTaken) throw errors.keyBusy(err.active, await this.retryAfter.seconds(provider, err.active));
      // Two requests with one Idempotency-Key at once: the second loses the insert race and answers like a replay.
      if (idempotencyKey !== undefined && lostRaceOn(err, 'idempotency')) {
        const replayed = await this.replay(keyId, idempotencyKey, requestSha);
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

  /** The task a scoped Idempotency-Key ("openai:<key>") made, if any; a deleted one is not brought back. */
  private async replay(keyId: string, idempotencyKey: string, requestSha: string): Promise<TaskRow | undefined> {
    const hit = await idempotencyRepository.get(this.db, keyId, idempotencyKey);
    if (!hit) return undefined;
    if (hit.request_sha256 !== requestSha) {
      throw errors.conflict('idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new request');
    }
    const task = await tasksRepository.byId(this.db, hit.task_id);
    if (!task || task.key_id !== keyId) throw errors.notFound(`task ${hit.task_id}`);
    if (task.deleted_at !== null) {
      throw errors.conflict('idempotency_key_deleted_task', `the task this Idempotency-Key made (${task.id}) was deleted; use a new key to create another`);
    }
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

  /** A remix: the source's parameters, length, aspect and inputs (the same stored pictures or clip) with a new prompt. */
  async remix(keyId: string, sourceId: string, prompt: string, options: CreateOptions): Promise<{ task: TaskRow; replayed: boolean }> {
    const source = await this.get(keyId, sourceId);
    if (source.status !== 'succeeded') throw errors.conflict('video_not_completed', `video ${sourceId} is ${source.status}; only a completed video can be remixed`);
    const p = parseParams(source.params);
    const files = await filesRepository.forTask(this.db, source.id);
    const stored = (role: InputRole) => {
      const sha = p.inputs?.[role];
      const f = sha ? files.find((x) => x.kind === INPUT_FILE_KIND[role] && x.sha256 === sha) : undefined;
      if (sha && !f) throw errors.conflict('input_unavailable', `video ${sourceId}'s ${role.replace('_', ' ')} input is gone; it cannot be remixed`);
      return f && { sha256: f.sha256, contentType: f.content_type, bytes: f.bytes };
    };
    const image = stored('image');
    const lastImage = stored('last_image');
    const extend = stored('extend');
    const aspect = p.aspect ?? '1:1';
    const [w, h] = aspect.split(':').map(Number) as [number, number];
    return this.create(keyId, {
      api: source.api, capability: source.capability, model: source.model, prompt, negativePrompt: source.negative_prompt ?? undefined,
      settings: { seed: p.seed, steps: p.steps, guidance: p.guidance, shift: p.shift, scheduler: p.scheduler },
      seconds: p.extend_seconds ?? p.seconds, aspect, outputSize: p.output_size, outputHeight: p.output_height, remixedFrom: source.id,
      image: image && { stored: { ...image, width: w, height: h } },
      lastImage: lastImage && { stored: { ...lastImage, width: w, height: h } },
      extend: extend && { stored: {
        ...extend, seconds: Number(p.seconds) - Number(p.extend_seconds ?? 0), aspect, outputSize: p.output_size, outputHeight: p.output_height, taskId: p.extends_task,
      } },
    }, options);
  }

  /**
   * What a task of the provider's default settings takes now, for the studio's estimate: its run time as measured
   * (a moving average of recent runs, else what the provider declares) and the wait for the tasks queued ahead
   * (all providers' queued tasks over this one's slots: an upper bound).
   */
  async timing(provider: Provider): Promise<{ expected_run_s: number; queue_wait_s: number }> {
    const round = (s: number) => Math.round(s * 10) / 10;
    return {
      expected_run_s: round(await this.retryAfter.runS(provider)),
      queue_wait_s: round(await this.retryAfter.waitS(provider, Math.max(0, this.lifecycle.queuedCount))),
    };
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
