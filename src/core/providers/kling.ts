/**
 * `kling`: Kling's video API (or any server of its wire format, such as another Kineo) as a provider. A job creates a
 * task (POST /v1/videos/text2video, or /image2video when the request carries a first — and maybe last — frame),
 * with an `external_task_id` naming the Kineo task and attempt, so a create whose answer was lost is found by it
 * rather than made twice; then polls GET /v1/videos/{capability}/{task_id} with backoff until `succeed` or
 * `failed` (its `task_status_msg` becomes the task's error), downloads the video and relabels it as Kineo's.
 * An effect template Kling has (`effectScenes`) goes to POST /v1/videos/effects with its `effect_scene` and the
 * picture (or, from another Kineo, the subject in words); any other reaches it as Kineo composes it, a prompt
 * fragment through text2video / image2video. When the
 * server has a public URL the create carries a `callback_url` (the task's, see callbacks.ts): Kling's call on a
 * status change ends the wait before the next poll, and polling stays as the fallback.
 *
 * Auth is Kling's: a JWT (HS256, `iss` = access key, `exp` 30 min ahead, `nbf` 5 s back) signed with the secret key,
 * made afresh before it expires; or a static bearer key. Keys come from config or, better, environment variables.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { ConfigError } from '../../config-error.js';
import { generationMetadata } from '../../engine/outputs.js';
import { defineKind } from './kind.js';
import {
  ASPECTS, ProviderError, type Aspect, type ClipShape, type Provider, type ProviderCapabilities, type ProviderContext, type ProviderRequest,
  type ProviderResult,
} from './provider.js';
import { RemoteError, remoteBytes, remoteFetch, type RemoteOptions } from './remote-http.js';
import { labelVideo } from './remote-media.js';

const SIZE = /^(\d{1,5})x(\d{1,5})$/;
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

const options = z.strictObject({
  /** The API's base ("https://api-singapore.klingai.com"); the paths /v1/videos/… follow it. */
  baseUrl: z.url().default('https://api-singapore.klingai.com'),
  /** Kling's model_name ("kling-v2-1"). */
  model: z.string().min(1).max(200).default('kling-v2-1'),
  /** The model name this server's clients ask for (default: the remote's). */
  as: z.string().min(1).max(200).optional(),
  /** std or pro (Kling's `mode`). */
  mode: z.enum(['std', 'pro']).default('std'),
  accessKey: z.string().min(1).optional(),
  accessKeyEnv: envName.optional(),
  secretKey: z.string().min(1).optional(),
  secretKeyEnv: envName.optional(),
  /** A static bearer key (Kling's newer keys), instead of access + secret. */
  apiKey: z.string().min(1).optional(),
  apiKeyEnv: envName.optional(),
  /** Clip lengths the model makes (Kling's `duration`); the first is the default. */
  seconds: z.array(z.string().regex(/^\d+(\.\d+)?$/)).min(1).default(['5', '10']),
  /** Frame size of its clips per aspect ratio (what Kling delivers); the first is the default aspect. */
  sizes: z.partialRecord(z.enum(ASPECTS as [Aspect, ...Aspect[]]), z.string().regex(SIZE)).default({ '16:9': '1280x720', '9:16': '720x1280', '1:1': '960x960' }),
  fps: z.number().int().min(1).max(120).default(24),
  /** Whether the model takes a first frame (image2video) and a last one (image_tail): not every Kling model does. */
  image: z.boolean().default(true),
  lastFrame: z.boolean().default(false),
  /** Effect templates Kling's own /v1/videos/effects applies (its `effect_scene` names, which Kineo's catalog ids
   * follow); another template goes through text2video / image2video as Kineo composes it. */
  effectScenes: z.array(z.string().min(1).max(100)).default(['bloombloom', 'dizzydizzy', 'fuzzyfuzzy', 'squish', 'expansion']),
  /** Whether the remote's effects take the subject in words when there is no picture (another Kineo's Kling door
   * does; Kling's own effects animate a picture, so without one the composed prompt goes to text2video). */
  effectPrompt: z.boolean().default(false),
  /** The first poll's delay; each later one waits 1.5× longer, up to maxPollMs. */
  pollMs: z.number().int().min(10).max(60_000).default(2_000),
  maxPollMs: z.number().int().min(10).max(300_000).default(15_000),
  timeoutMs: z.number().int().min(1_000).default(30 * 60_000),
  requestTimeoutMs: z.number().int().min(100).default(30_000),
  retries: z.number().int().min(0).max(20).default(3),
  expectedRunS: z.number().min(0.01).default(120),
});
type KlingSettings = z.output<typeof options> & { name: string };

interface KlingEnvelope<T> {
  code: number;
  message: string;
  request_id?: string;
  data: T;
}
interface KlingTask {
  task_id: string;
  task_status: 'submitted' | 'processing' | 'succeed' | 'failed';
  task_status_msg?: string;
  task_result?: { videos?: { id: string; url: string; duration: string }[] };
}

/** JWTs live 30 minutes; a new one is made when less than 5 remain. */
const TOKEN_S = 1800;

export class KlingProvider implements Provider {
  readonly name: string;
  readonly model: string;
  readonly capabilities: ProviderCapabilities;
  readonly expectedRunS: number;
  readonly preload = false;
  private readonly sizes: Map<Aspect, [number, number]>;
  private readonly http: RemoteOptions;
  private readonly base: string;
  private token?: { value: string; until: number };

  constructor(private readonly s: KlingSettings) {
    const has = (value?: string, env?: string) => value !== undefined || env !== undefined;
    if (!has(s.apiKey, s.apiKeyEnv) && !(has(s.accessKey, s.accessKeyEnv) && has(s.secretKey, s.secretKeyEnv))) {
      throw new ConfigError(`provider "${s.name}" (kling) needs credentials: accessKey + secretKey (or accessKeyEnv + secretKeyEnv), or a static apiKey / apiKeyEnv`);
    }
    const sizes = Object.entries(s.sizes) as [Aspect, string][];
    if (!sizes.length) throw new ConfigError(`provider "${s.name}" (kling) sizes is empty: give at least one aspect ratio's frame size`);
    this.sizes = new Map(sizes.map(([a, size]) => [a, size.split('x').map(Number) as [number, number]]));
    this.name = s.name;
    this.model = s.as ?? s.model;
    this.expectedRunS = s.expectedRunS;
    this.capabilities = { text: true, image: s.image, lastFrame: s.image && s.lastFrame, extend: false, effects: true, aspects: sizes.map(([a]) => a), durations: s.seconds };
    this.http = { timeoutMs: s.requestTimeoutMs, retries: s.retries, backoffMs: 500 };
    this.base = s.baseUrl.replace(/\/+$/, '');
  }

  private shapeFor(aspect: Aspect, seconds: string): ClipShape {
    const [width, height] = this.sizes.get(aspect)!;
    return { model: this.model, version: this.s.model, frames: Math.round(Number(seconds) * this.s.fps), fps: this.s.fps, width, height };
  }

  shape(): ClipShape {
    return this.shapeFor(this.capabilities.aspects[0]!, this.s.seconds[0]!);
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}

  /** The Authorization header: the static key, or a JWT signed with the secret key (cached until near expiry). */
  private async authorization(): Promise<string> {
    const env = (name?: string) => (name ? process.env[name] : undefined);
    const apiKey = this.s.apiKey ?? env(this.s.apiKeyEnv);
    if (apiKey) return `Bearer ${apiKey}`;
    const now = Math.floor(Date.now() / 1000);
    if (this.token && this.token.until - now > 300) return `Bearer ${this.token.value}`;
    const access = this.s.accessKey ?? env(this.s.accessKeyEnv);
    const secret = this.s.secretKey ?? env(this.s.secretKeyEnv);
    if (!access || !secret) throw new ProviderError(`provider "${this.name}" has no Kling credentials: set ${[this.s.accessKeyEnv, this.s.secretKeyEnv, this.s.apiKeyEnv].filter(Boolean).join(', ') || 'its keys'}`, 'invalid_request');
    const value = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(access)
      .setExpirationTime(now + TOKEN_S).setNotBefore(now - 5).sign(new TextEncoder().encode(secret));
    this.token = { value, until: now + TOKEN_S };
    return `Bearer ${value}`;
  }

  private async headers(json = false): Promise<Record<string, string>> {
    return { authorization: await this.authorization(), ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  /** A Kling envelope's data; a non-zero code is the remote's refusal. */
  private async data<T>(res: Response, what: string): Promise<T> {
    const body = (await res.json()) as KlingEnvelope<T>;
    if (body.code !== 0) throw new RemoteError(`${what}: Kling answered code ${body.code}: ${body.message}`, res.status, body.code === 1302 || body.code === 1303 || body.code >= 5000);
    return body.data;
  }

  async generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult> {
    const t0 = performance.now();
    const elapsedMs = () => performance.now() - t0;
    if (request.extend) throw new ProviderError('this Kling provider cannot extend a clip', 'invalid_request');
    if (request.image && !this.capabilities.image) throw new ProviderError('this Kling model takes no first frame', 'invalid_request');
    if (request.lastImage && !this.capabilities.lastFrame) throw new ProviderError('this Kling model takes no last frame', 'invalid_request');
    const aspect = request.aspect && this.sizes.has(request.aspect) ? request.aspect : this.capabilities.aspects[0]!;
    const seconds = request.seconds ?? this.s.seconds[0]!;
    const clip = this.shapeFor(aspect, seconds);
    const effect = request.effect && this.s.effectScenes.includes(request.effect.template) && (request.image || (this.s.effectPrompt && request.effect.subject))
      ? request.effect : undefined;
    const capability = effect ? 'effects' : request.image ? 'image2video' : 'text2video';
    const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(this.s.timeoutMs)]);
    // One create per attempt: a retried create names the same external id, so a lost answer is looked up, not repeated.
    const externalId = `kineo-${request.taskId}-${randomUUID().slice(0, 8)}`;
    const callback = ctx.callback ? { callback_url: ctx.callback.url } : {};
    const body = effect ? {
      effect_scene: effect.template, external_task_id: externalId, ...callback,
      input: {
        model_name: this.s.model, mode: this.s.mode, duration: seconds,
        ...(request.image ? { image: request.image.toString('base64') } : { prompt: effect.subject }),
      },
    } : {
      model_name: this.s.model, prompt: request.prompt, mode: this.s.mode, duration: seconds, external_task_id: externalId,
      // Kling calls back on every status change: the poll then comes at once instead of at its next backoff.
      ...callback,
      ...(request.negativePrompt ? { negative_prompt: request.negativePrompt } : {}),
      // Kineo's guidance g maps onto Kling's cfg_scale ∈ [0, 1] as the Kling door maps it back: g = 1 + 8·cfg.
      ...(request.guidance != null ? { cfg_scale: Math.min(1, Math.max(0, (request.guidance - 1) / 8)) } : {}),
      ...(request.image ? { image: request.image.toString('base64') } : { aspect_ratio: aspect }),
      ...(request.lastImage ? { image_tail: request.lastImage.toString('base64') } : {}),
    };
    const taskUrl = (id: string) => `${this.base}/v1/videos/${capability}/${encodeURIComponent(id)}`;
    let taskId: string | undefined;
    try {
      let task = await this.create(capability, body, externalId, taskUrl, deadline);
      taskId = task.task_id;
      let wait = this.s.pollMs;
      while (task.task_status === 'submitted' || task.task_status === 'processing') {
        // Kling reports no progress: an estimate from the expected run time, held below the end.
        const estimate = Math.min(90, Math.round((100 * elapsedMs()) / (this.expectedRunS * 1000)));
        ctx.onProgress({ step: estimate, of: 100, phase: 'render', elapsedMs: elapsedMs() });
        if (ctx.callback) await ctx.callback.sleep(wait, deadline);
        else await sleep(wait, undefined, { signal: deadline }).catch(() => undefined);
        this.throwIfStopped(ctx.signal, deadline);
        wait = Math.min(this.s.maxPollMs, Math.round(wait * 1.5));
        task = await this.data<KlingTask>(await remoteFetch(taskUrl(taskId), { headers: await this.headers() }, this.http, deadline), `polling ${taskId}`);
      }
      if (task.task_status !== 'succeed') throw new RemoteError(`Kling's task ${taskId} failed: ${task.task_status_msg || task.task_status}`, undefined, true);
      const url = task.task_result?.videos?.[0]?.url;
      if (!url) throw new RemoteError(`Kling's task ${taskId} succeeded without a video`, undefined, true);
      ctx.onProgress({ step: 100, of: 100, phase: 'video', elapsedMs: elapsedMs() });
      // The video's URL is a signed link on Kling's CDN: fetched without our key, which stays with Kling's API.
      const mp4 = await remoteBytes(url, {}, this.http, deadline);
      if (!mp4?.length) throw new RemoteError(`Kling's video of task ${taskId} is empty`, undefined, true);
      const labelled = await labelVideo(mp4, generationMetadata({ model: { name: this.model, version: this.s.model }, seed: request.seed }, request.prompt, request.taskId, request.negativePrompt));
      return {
        video: labelled.video, poster: labelled.poster, spritesheet: labelled.poster,
        meta: { ...clip, seed: request.seed, unknownWords: [], timingsMs: { remote: Math.round(elapsedMs()) } },
      };
    } catch (err) {
      this.throwIfStopped(ctx.signal, deadline);
      throw err;
    }
  }

  /** POST the task; a call whose answer was lost is looked up by its external id before it is sent again. */
  private async create(capability: string, body: object, externalId: string, taskUrl: (id: string) => string, signal: AbortSignal): Promise<KlingTask> {
    const lookUp = async () => {
      const found = await remoteFetch(taskUrl(externalId), { headers: await this.headers(), accept: [404, 400] }, this.http, signal);
      return found.ok ? this.data<KlingTask>(found, 'looking up the task') : undefined;
    };
    // Whether an earlier try may have reached Kling: its answer was lost, or it timed out while Kling was still
    // making the task (then a look-up can come too early and find nothing, and the next try is refused as a
    // duplicate external id: that refusal means our task exists).
    let maybeMade = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await remoteFetch(`${this.base}/v1/videos/${capability}`, { method: 'POST', headers: await this.headers(true), body: JSON.stringify(body) }, { ...this.http, retries: 0 }, signal);
        return await this.data<KlingTask>(res, 'creating the task');
      } catch (err) {
        if (!(err instanceof RemoteError)) throw err;
        // A request Kling refuses (4xx other than 429, or a refusing code) never succeeds: fail the task at once —
        // unless an earlier try of this very create may have made it.
        if (!err.retryable) {
          const made = maybeMade ? await lookUp() : undefined;
          if (made) return made;
          throw new ProviderError(`Kling refused the task: ${err.message}`, 'invalid_request');
        }
        if (err.status === undefined) {
          maybeMade = true;
          const found = await lookUp();
          if (found) return found;
        }
        if (attempt >= this.s.retries) throw err;
        await sleep(Math.min(60_000, err.retryAfterMs ?? 500 * 2 ** attempt), undefined, { signal }).catch(() => {
          throw new ProviderError('generation was cancelled', 'aborted');
        });
      }
    }
  }

  private throwIfStopped(signal: AbortSignal, deadline: AbortSignal): void {
    if (signal.aborted) throw new ProviderError('generation was cancelled', 'aborted');
    if (deadline.aborted) throw new RemoteError(`Kling did not deliver within ${this.s.timeoutMs} ms`, undefined, true);
  }
}

export const klingKind = defineKind({
  options,
  defaults: { workers: 4, concurrency: 16 },
  create: (i) => new KlingProvider(i),
});
