/**
 * `openai`: any server of the OpenAI videos format — a gateway, or another Kineo — as a provider. A job creates a
 * video (POST /videos, with an Idempotency-Key so a create retried after a dropped connection makes one video),
 * polls it (GET /videos/{id}, its `progress` becoming the task's), downloads the content and its thumbnail, and
 * relabels the file as Kineo's; the lifecycle stores it like any provider's result. Cancel deletes the remote video.
 * The key comes from the config (`apiKey`) or, better, from an environment variable (`apiKeyEnv`).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { generationMetadata } from '../../engine/outputs.js';
import { defineKind } from './kind.js';
import { aspectOfSize, ProviderError, type ClipShape, type Provider, type ProviderCapabilities, type ProviderContext, type ProviderRequest, type ProviderResult } from './provider.js';
import { RemoteError, remoteBytes, remoteFetch, type RemoteOptions } from './remote-http.js';
import { labelVideo } from './remote-media.js';

export interface OpenAIVideosSettings {
  name: string;
  /** The API's base, up to and including /v1 ("https://gateway.example.com/v1"). */
  baseUrl: string;
  apiKey?: string;
  apiKeyEnv?: string;
  /** The remote's model name. */
  model: string;
  /** The model name clients of this server ask for (default: the remote's). */
  as?: string;
  /** Clip lengths the remote makes ("4", "8", "12"); the first is the default. */
  seconds: string[];
  /** The size asked of the remote ("720x1280"). */
  size: string;
  fps: number;
  pollMs: number;
  /** A job's time limit, create to download. */
  timeoutMs: number;
  /** One call's time limit. */
  requestTimeoutMs: number;
  retries: number;
  expectedRunS: number;
}

const SIZE = /^(\d{1,5})x(\d{1,5})$/;

interface RemoteVideo {
  id: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  progress?: number;
  error?: { code?: string; message?: string } | null;
}

export class OpenAIVideosProvider implements Provider {
  readonly name: string;
  readonly model: string;
  readonly capabilities: ProviderCapabilities;
  readonly expectedRunS: number;
  readonly preload = false;
  private readonly clip: ClipShape;
  private readonly http: RemoteOptions;

  constructor(private readonly s: OpenAIVideosSettings) {
    const [, w, h] = SIZE.exec(s.size)!;
    const width = Number(w);
    const height = Number(h);
    this.name = s.name;
    this.model = s.as ?? s.model;
    this.expectedRunS = s.expectedRunS;
    this.clip = { model: this.model, version: s.model, frames: Math.round(Number(s.seconds[0]) * s.fps), fps: s.fps, width, height };
    this.capabilities = { text: true, image: false, lastFrame: false, extend: false, effects: true, aspects: [aspectOfSize(width, height)], durations: s.seconds };
    this.http = { timeoutMs: s.requestTimeoutMs, retries: s.retries, backoffMs: 500 };
  }

  shape(): ClipShape {
    return this.clip;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}

  private headers(json: boolean): Record<string, string> {
    const key = this.s.apiKey ?? (this.s.apiKeyEnv ? process.env[this.s.apiKeyEnv] : undefined);
    return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  async generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult> {
    const t0 = performance.now();
    const elapsedMs = () => performance.now() - t0;
    const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(this.s.timeoutMs)]);
    const base = this.s.baseUrl.replace(/\/+$/, '');
    let remoteId: string | undefined;
    try {
      const created = await remoteFetch(`${base}/videos`, {
        method: 'POST', headers: { ...this.headers(true), 'idempotency-key': `kineo-${request.taskId}-${randomUUID()}` },
        body: JSON.stringify({ model: this.s.model, prompt: request.prompt, seconds: request.seconds ?? this.s.seconds[0], size: this.s.size }),
      }, this.http, deadline).catch((err: unknown) => {
        // A request the remote refuses (4xx other than 429) never succeeds: fail the task at once.
        if (err instanceof RemoteError && !err.retryable) throw new ProviderError(`the remote refused the video: ${err.message}`, 'invalid_request');
        throw err;
      });
      let video = (await created.json()) as RemoteVideo;
      remoteId = video.id;
      while (video.status === 'queued' || video.status === 'in_progress') {
        ctx.onProgress({ step: Math.round(video.progress ?? 0), of: 100, phase: 'render', elapsedMs: elapsedMs() });
        await sleep(this.s.pollMs, undefined, { signal: deadline }).catch(() => undefined);
        this.throwIfStopped(ctx.signal, deadline);
        video = (await (await remoteFetch(`${base}/videos/${encodeURIComponent(remoteId)}`, { headers: this.headers(false) }, this.http, deadline)).json()) as RemoteVideo;
      }
      if (video.status !== 'completed') {
        throw new RemoteError(`the remote's video ${remoteId} failed: ${video.error?.message ?? video.error?.code ?? video.status}`, undefined, true);
      }
      ctx.onProgress({ step: 100, of: 100, phase: 'video', elapsedMs: elapsedMs() });
      const content = `${base}/videos/${encodeURIComponent(remoteId)}/content`;
      const mp4 = await remoteBytes(content, { headers: this.headers(false) }, this.http, deadline);
      if (!mp4?.length) throw new RemoteError(`the remote's video ${remoteId} has no content`, undefined, true);
      const thumbnail = await remoteBytes(`${content}?variant=thumbnail`, { headers: this.headers(false), accept: [404] }, this.http, deadline);
      const spritesheet = await remoteBytes(`${content}?variant=spritesheet`, { headers: this.headers(false), accept: [404] }, this.http, deadline);
      const labelled = await labelVideo(mp4, generationMetadata({ model: { name: this.model, version: this.s.model }, seed: request.seed }, request.prompt, request.taskId, request.negativePrompt));
      const poster = thumbnail?.length ? thumbnail : labelled.poster;
      return {
        video: labelled.video, poster, spritesheet: spritesheet?.length ? spritesheet : poster,
        meta: { ...this.clip, seed: request.seed, unknownWords: [], timingsMs: { remote: Math.round(elapsedMs()) } },
      };
    } catch (err) {
      // The deadline aborts a call the way a cancel does: tell them apart by which signal fired. Either way the
      // remote's video is no longer wanted.
      if (deadline.aborted && remoteId) this.cancelRemote(base, remoteId);
      this.throwIfStopped(ctx.signal, deadline);
      throw err;
    }
  }

  private throwIfStopped(signal: AbortSignal, deadline: AbortSignal): void {
    if (signal.aborted) throw new ProviderError('generation was cancelled', 'aborted');
    if (deadline.aborted) throw new RemoteError(`the remote did not deliver within ${this.s.timeoutMs} ms`, undefined, true);
  }

  /** The OpenAI format's only way to stop a video is to delete it; best effort (the task ends either way). */
  private cancelRemote(base: string, id: string): void {
    void fetch(`${base}/videos/${encodeURIComponent(id)}`, { method: 'DELETE', headers: this.headers(false), signal: AbortSignal.timeout(this.s.requestTimeoutMs) }).catch(() => undefined);
  }
}

/** Options shared with other kinds that speak this format (kineo.ts). */
export const openaiVideosOptions = {
  apiKey: z.string().min(1).optional(),
  /** The environment variable holding the key (keeps it out of config files). */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  as: z.string().min(1).max(200).optional(),
  fps: z.number().int().min(1).max(120).default(24),
  pollMs: z.number().int().min(10).max(60_000).default(2_000),
  timeoutMs: z.number().int().min(1_000).default(15 * 60_000),
  requestTimeoutMs: z.number().int().min(100).default(30_000),
  retries: z.number().int().min(0).max(20).default(3),
  expectedRunS: z.number().min(0.01).default(60),
};

export const openaiKind = defineKind({
  options: z.strictObject({
    baseUrl: z.url(),
    model: z.string().min(1).max(200),
    seconds: z.array(z.string().regex(/^\d+(\.\d+)?$/)).min(1).default(['4', '8', '12']),
    size: z.string().regex(SIZE).default('720x1280'),
    ...openaiVideosOptions,
  }),
  defaults: { workers: 4, concurrency: 16 },
  create: (i) => new OpenAIVideosProvider(i),
});
