/**
 * `comfyui`: a ComfyUI server (a GPU box running Wan 2.2, LTX-Video, …) as a provider. A job fills the instance's
 * workflow (comfyui-workflow.ts) with the request, uploads its pictures (POST /upload/image), submits the graph
 * (POST /prompt with a client_id and its own prompt_id), follows it on the /ws WebSocket (progress becomes the
 * task's; `execution_success` or `executing` with node null ends it, `execution_error` fails it with the remote's
 * words), and polls GET /history/{prompt_id} as well, so a dropped socket loses nothing but progress. The video the
 * graph saved is fetched from GET /view, relabelled as Kineo's (transcoded to H.264 MP4 when it is another format)
 * and stored like any clip. Cancel and the time limit remove the prompt from the queue or interrupt it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ConfigError } from '../../config-error.js';
import { generationMetadata, posterPng } from '../../engine/outputs.js';
import { fitImage } from '../../media/image.js';
import { fillWorkflow, loadWorkflow, videoOutput, type ComfyFile, type LoadedWorkflow, type Workflow } from './comfyui-workflow.js';
import { defineKind } from './kind.js';
import {
  ASPECTS, ProviderError, type Aspect, type ClipShape, type Provider, type ProviderCapabilities, type ProviderContext, type ProviderProgress,
  type ProviderRequest, type ProviderResult,
} from './provider.js';
import { RemoteError, remoteBytes, remoteFetch, type RemoteOptions } from './remote-http.js';
import { labelVideo } from './remote-media.js';
import { connectWebSocket, type WebSocketConnection } from './websocket.js';

const SIZE = /^(\d{1,5})x(\d{1,5})$/;

const options = z.strictObject({
  /** The ComfyUI server's base URL ("http://gpu-box.internal:8188"). */
  url: z.url(),
  /** The text-to-video graph (API format): a path (relative to the working directory) or the graph itself. */
  workflow: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** The image-to-video graph: it holds {{image}} (and {{last_image}} for first + last frame). */
  imageWorkflow: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** The model name clients ask for. */
  model: z.string().min(1).max(200).default('comfyui'),
  /** Shown as the model's version in labels and the model list (e.g. the checkpoint's name). */
  version: z.string().min(1).max(200).default('workflow'),
  /** Frame size per aspect ratio the graph is run at ({{width}}, {{height}}); the first is the default aspect. */
  sizes: z.partialRecord(z.enum(ASPECTS as [Aspect, ...Aspect[]]), z.string().regex(SIZE)).default({ '16:9': '1280x704', '9:16': '704x1280', '1:1': '960x960' }),
  /** Clip lengths offered, in seconds; the first is the default. */
  seconds: z.array(z.string().regex(/^\d+(\.\d+)?$/)).min(1).default(['5']),
  fps: z.number().int().min(1).max(120).default(24),
  /** {{frames}} = round(seconds × fps / lengthMultiple) × lengthMultiple + lengthPlus (Wan: 4 and 1 → 121 at 5 s, 24 fps). */
  lengthMultiple: z.number().int().min(1).max(64).default(1),
  lengthPlus: z.number().int().min(0).max(64).default(0),
  /** {{steps}} and {{cfg}} when the request names none. */
  steps: z.number().int().min(1).max(200).default(20),
  cfg: z.number().min(0).max(30).default(5),
  /** {{negative}} when the request has no negative prompt. */
  negativePrompt: z.string().max(10_000).default(''),
  /** The node whose saved file is the video (default: the first video file among the outputs, MP4 preferred). */
  outputNode: z.string().min(1).optional(),
  /** A Bearer key for a ComfyUI behind an authenticating proxy (ComfyUI itself has none), or its variable's name. */
  apiKey: z.string().min(1).optional(),
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  /** How often /history is polled beside the WebSocket. */
  pollMs: z.number().int().min(10).max(60_000).default(2_000),
  timeoutMs: z.number().int().min(1_000).default(30 * 60_000),
  requestTimeoutMs: z.number().int().min(100).default(30_000),
  retries: z.number().int().min(0).max(20).default(3),
  expectedRunS: z.number().min(0.01).default(120),
});
type ComfySettings = z.output<typeof options> & { name: string };

interface HistoryEntry {
  outputs?: Record<string, Record<string, unknown>>;
  status?: { status_str?: string; completed?: boolean; messages?: [string, Record<string, unknown>][] };
}

/** How a prompt ended, as the WebSocket told it. */
type Outcome = { ok: true } | { ok: false; message: string };

/** The phase a node's work is, for the task's progress (by its class_type). */
function phaseOf(classType: string | undefined): ProviderProgress['phase'] {
  if (!classType) return 'render';
  if (/decode/i.test(classType)) return 'decode';
  if (/video|save|combine|webp|webm|gif/i.test(classType)) return 'video';
  if (/encode|load/i.test(classType)) return 'encode';
  return 'denoise';
}

/** The remote's own words about an execution error. */
function executionError(data: Record<string, unknown>): string {
  const where = data.node_type ? ` at node ${String(data.node_id ?? '?')} (${String(data.node_type)})` : '';
  return `ComfyUI failed${where}: ${String(data.exception_type ? `${String(data.exception_type)}: ` : '')}${String(data.exception_message ?? 'no message').trim()}`;
}

/**
 * Follows one prompt on /ws?clientId=: progress to the task, the outcome when the remote says it. A dropped
 * socket is reopened with backoff while the prompt runs (/history is polled beside it, so nothing depends on it).
 */
class PromptFollower {
  private socket?: WebSocketConnection;
  private stopped = false;
  private ours = false;
  private settle!: (o: Outcome) => void;
  readonly outcome = new Promise<Outcome>((resolve) => (this.settle = resolve));
  promptId?: string;

  constructor(
    private readonly url: string,
    private readonly graph: Workflow,
    private readonly onProgress: (p: Omit<ProviderProgress, 'elapsedMs'>) => void,
    private readonly headers: Record<string, string>,
    private readonly timeoutMs: number,
  ) {}

  /** Connects; a failure is not fatal (polling still finds the result), so it resolves either way. */
  async open(signal: AbortSignal, attempt = 0): Promise<void> {
    if (this.stopped) return;
    try {
      this.socket = await connectWebSocket(this.url, {
        onText: (text) => this.message(text),
        onClose: () => {
          this.socket = undefined;
          if (!this.stopped && !signal.aborted) void sleep(Math.min(10_000, 250 * 2 ** attempt), undefined, { signal }).then(() => this.open(signal, attempt + 1), () => undefined);
        },
      }, { timeoutMs: this.timeoutMs, signal, headers: this.headers });
    } catch {
      // Tried again in the background: the job goes on meanwhile (polling finds its result without the socket).
      if (!this.stopped && !signal.aborted && attempt < 8) void sleep(Math.min(10_000, 250 * 2 ** attempt), undefined, { signal }).then(() => this.open(signal, attempt + 1), () => undefined);
    }
  }

  private message(text: string): void {
    let m: { type?: string; data?: Record<string, unknown> };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    const data = m.data ?? {};
    // Progress of older servers carries no prompt_id: it is ours while our prompt is the one executing.
    const mine = data.prompt_id === undefined ? this.ours : data.prompt_id === this.promptId;
    if (!this.promptId || !mine) {
      if (m.type === 'executing' || m.type === 'execution_start') this.ours = data.prompt_id === this.promptId;
      return;
    }
    switch (m.type) {
      case 'execution_start':
        this.ours = true;
        break;
      case 'executing': {
        if (data.node === null || data.node === undefined) return this.settle({ ok: true });
        const classType = this.graph[String(data.node)]?.class_type;
        const phase = phaseOf(classType);
        if (phase !== 'denoise') this.onProgress({ step: 0, of: 1, phase });
        break;
      }
      case 'progress': {
        const value = Number(data.value);
        const max = Number(data.max);
        if (Number.isFinite(value) && Number.isFinite(max) && max > 0) this.onProgress({ step: value, of: max, phase: phaseOf(this.graph[String(data.node)]?.class_type) === 'denoise' ? 'denoise' : 'render' });
        break;
      }
      case 'execution_success':
        return this.settle({ ok: true });
      case 'execution_error':
        return this.settle({ ok: false, message: executionError(data) });
      case 'execution_interrupted':
        return this.settle({ ok: false, message: `ComfyUI interrupted the prompt${data.node_type ? ` at node ${String(data.node_id)} (${String(data.node_type)})` : ''}` });
    }
  }

  close(): void {
    this.stopped = true;
    this.socket?.close();
  }
}

export class ComfyUIProvider implements Provider {
  readonly name: string;
  readonly model: string;
  readonly capabilities: ProviderCapabilities;
  readonly expectedRunS: number;
  readonly defaultSteps: number;
  readonly preload = false;
  private readonly text?: LoadedWorkflow;
  private readonly image?: LoadedWorkflow;
  private readonly sizes: Map<Aspect, [number, number]>;
  private readonly http: RemoteOptions;
  private readonly base: string;

  constructor(private readonly s: ComfySettings) {
    const load = (spec: ComfySettings['workflow'], field: string) => {
      if (spec === undefined) return undefined;
      try {
        return loadWorkflow(spec);
      } catch (err) {
        throw new ConfigError(`provider "${s.name}" (comfyui) ${field}: ${(err as Error).message}`);
      }
    };
    this.text = load(s.workflow, 'workflow');
    this.image = load(s.imageWorkflow, 'imageWorkflow');
    if (!this.text && !this.image) throw new ConfigError(`provider "${s.name}" (comfyui) needs a workflow (text-to-video) or an imageWorkflow (image-to-video); examples/comfyui/ has both for Wan 2.2`);
    if (this.image && !this.image.uses.has('image')) throw new ConfigError(`provider "${s.name}" (comfyui) imageWorkflow ${this.image.source} has no {{image}} placeholder`);
    if (this.text?.uses.has('image')) throw new ConfigError(`provider "${s.name}" (comfyui) workflow ${this.text.source} holds {{image}}: give it as imageWorkflow`);
    const sizes = Object.entries(s.sizes) as [Aspect, string][];
    if (!sizes.length) throw new ConfigError(`provider "${s.name}" (comfyui) sizes is empty: give at least one aspect ratio's frame size`);
    this.sizes = new Map(sizes.map(([a, size]) => [a, size.split('x').map(Number) as [number, number]]));
    this.name = s.name;
    this.model = s.model;
    this.expectedRunS = s.expectedRunS;
    this.defaultSteps = s.steps;
    this.capabilities = {
      text: !!this.text, image: !!this.image, lastFrame: !!this.image?.uses.has('last_image'), extend: false,
      // Effect templates are prompt fragments applied to the subject: any graph that takes a prompt draws them.
      effects: !!this.text, aspects: sizes.map(([a]) => a), durations: s.seconds,
    };
    this.http = { timeoutMs: s.requestTimeoutMs, retries: s.retries, backoffMs: 500 };
    this.base = s.url.replace(/\/+$/, '');
  }

  /** {{frames}} for a clip length: the graph's frame-count rule (Wan wants 4n + 1). */
  private framesOf(seconds: string): number {
    const n = Math.max(1, Math.round((Number(seconds) * this.s.fps) / this.s.lengthMultiple));
    return n * this.s.lengthMultiple + this.s.lengthPlus;
  }

  private shapeFor(aspect: Aspect, seconds: string): ClipShape {
    const [width, height] = this.sizes.get(aspect)!;
    return { model: this.model, version: this.s.version, frames: this.framesOf(seconds), fps: this.s.fps, width, height };
  }

  shape(): ClipShape {
    return this.shapeFor(this.capabilities.aspects[0]!, this.s.seconds[0]!);
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}

  private headers(json = false): Record<string, string> {
    const key = this.s.apiKey ?? (this.s.apiKeyEnv ? process.env[this.s.apiKeyEnv] : undefined);
    return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  async generate(request: ProviderRequest, ctx: ProviderContext): Promise<ProviderResult> {
    const t0 = performance.now();
    const elapsedMs = () => performance.now() - t0;
    const workflow = request.image ? this.image : this.text;
    if (!workflow) throw new ProviderError(request.image ? 'this ComfyUI provider has no image-to-video workflow' : 'this ComfyUI provider needs a first-frame picture (its workflow is image-to-video)', 'invalid_request');
    if (request.lastImage && !workflow.uses.has('last_image')) throw new ProviderError('this ComfyUI provider\'s workflow takes no last frame', 'invalid_request');
    if (request.extend) throw new ProviderError('this ComfyUI provider cannot extend a clip', 'invalid_request');
    const aspect = request.aspect && this.sizes.has(request.aspect) ? request.aspect : this.capabilities.aspects[0]!;
    const clip = this.shapeFor(aspect, request.seconds ?? this.s.seconds[0]!);
    const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(this.s.timeoutMs)]);
    const clientId = `kineo-${randomUUID()}`;
    let promptId: string | undefined;
    let follower: PromptFollower | undefined;
    try {
      const image = request.image ? await this.upload(request.image, clip, deadline) : undefined;
      const lastImage = request.lastImage ? await this.upload(request.lastImage, clip, deadline) : undefined;
      const graph = fillWorkflow(workflow, {
        prompt: request.prompt, negative: request.negativePrompt ?? this.s.negativePrompt, seed: request.seed,
        steps: request.steps ?? this.s.steps, cfg: request.guidance ?? this.s.cfg, width: clip.width, height: clip.height,
        frames: clip.frames, length: clip.frames, fps: clip.fps, seconds: Number(request.seconds ?? this.s.seconds[0]),
        image, last_image: lastImage, task: request.taskId,
      });
      const wsUrl = `${this.base.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(clientId)}`;
      follower = new PromptFollower(wsUrl, graph, (p) => ctx.onProgress({ ...p, elapsedMs: elapsedMs() }), this.headers(), this.s.requestTimeoutMs);
      // Open the socket before submitting, so the first messages of a prompt that starts at once are not missed.
      await follower.open(deadline);
      promptId = randomUUID();
      follower.promptId = promptId;
      promptId = await this.submit(graph, clientId, promptId, deadline);
      follower.promptId = promptId;
      ctx.onProgress({ step: 0, of: 1, phase: 'render', elapsedMs: elapsedMs() });
      const entry = await this.waitFor(promptId, follower, deadline);
      const file = videoOutput(entry.outputs ?? {}, this.s.outputNode);
      if (!file) throw new RemoteError(`ComfyUI's prompt ${promptId} finished without a video among its outputs${this.s.outputNode ? ` (node ${this.s.outputNode})` : ''}; save one with SaveVideo`, undefined, true);
      ctx.onProgress({ step: 1, of: 1, phase: 'video', elapsedMs: elapsedMs() });
      const video = await this.download(file, deadline);
      const labelled = await labelVideo(video, generationMetadata({ model: { name: this.model, version: this.s.version }, seed: request.seed }, request.prompt, request.taskId, request.negativePrompt),
        { transcode: !file.filename.toLowerCase().endsWith('.mp4') });
      return {
        video: labelled.video, poster: labelled.poster, spritesheet: labelled.poster,
        meta: { ...clip, seed: request.seed, unknownWords: [], timingsMs: { remote: Math.round(elapsedMs()) } },
      };
    } catch (err) {
      // The deadline aborts a call the way a cancel does: tell them apart by which signal fired. Either way the
      // GPU should stop working on it.
      if (deadline.aborted && promptId) this.cancelRemote(promptId);
      if (ctx.signal.aborted) throw new ProviderError('generation was cancelled', 'aborted');
      if (deadline.aborted) throw new RemoteError(`ComfyUI did not deliver within ${this.s.timeoutMs} ms`, undefined, true);
      throw err;
    } finally {
      follower?.close();
    }
  }

  /** A picture fitted to the clip's frame (centre crop + scale) and uploaded; its name as LoadImage takes it. */
  private async upload(bytes: Buffer, clip: ClipShape, signal: AbortSignal): Promise<string> {
    let png: Buffer;
    try {
      const rgb = await fitImage(bytes, clip.width, clip.height);
      png = posterPng({ ...rgb, frames: 1 }, 0); // the fitted picture as a one-frame clip's poster: a plain PNG
    } catch (err) {
      throw new ProviderError(`the picture could not be read: ${(err as Error).message}`, 'invalid_request');
    }
    // Named by its content: an upload retried after a dropped answer overwrites the same file.
    const name = `kineo-${createHash('sha256').update(png).digest('hex').slice(0, 24)}.png`;
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), name);
    form.append('type', 'input');
    form.append('subfolder', 'kineo');
    form.append('overwrite', 'true');
    const res = await remoteFetch(`${this.base}/upload/image`, { method: 'POST', headers: this.headers(), body: form }, this.http, signal);
    const saved = (await res.json()) as { name?: string; subfolder?: string };
    if (!saved.name) throw new RemoteError(`ComfyUI's upload answered no file name`, undefined, true);
    return saved.subfolder ? `${saved.subfolder}/${saved.name}` : saved.name;
  }

  /**
   * POST /prompt, retried like any call, except that a call whose answer was lost may have queued the prompt: the
   * queue and the history are asked first, so one attempt of a task is one job on the GPU. The prompt_id is ours
   * (ComfyUI takes one given); a server that ignores it answers its own, which is used from then on.
   */
  private async submit(graph: Workflow, clientId: string, promptId: string, signal: AbortSignal): Promise<string> {
    const body = JSON.stringify({ prompt: graph, client_id: clientId, prompt_id: promptId, extra_data: { client: 'kineo' } });
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await remoteFetch(`${this.base}/prompt`, { method: 'POST', headers: this.headers(true), body }, { ...this.http, retries: 0 }, signal);
        const answer = (await res.json()) as { prompt_id?: string };
        return answer.prompt_id ?? promptId;
      } catch (err) {
        if (!(err instanceof RemoteError)) throw err;
        if (!err.retryable) throw new ProviderError(`ComfyUI refused the workflow: ${err.message}`, 'invalid_request');
        if (err.status === undefined && (await this.queued(promptId, signal))) return promptId;
        if (attempt >= this.s.retries) throw err;
        await sleep(Math.min(60_000, err.retryAfterMs ?? 500 * 2 ** attempt), undefined, { signal }).catch(() => {
          throw new ProviderError('generation was cancelled', 'aborted');
        });
      }
    }
  }

  /** Whether ComfyUI has our prompt (queued, running or done). A failure to tell is thrown: resubmitting blind could run it twice. */
  private async queued(promptId: string, signal: AbortSignal): Promise<boolean> {
    const queue = (await (await remoteFetch(`${this.base}/queue`, { headers: this.headers() }, this.http, signal)).json()) as { queue_running?: unknown[][]; queue_pending?: unknown[][] };
    if ([...(queue.queue_running ?? []), ...(queue.queue_pending ?? [])].some((e) => Array.isArray(e) && e[1] === promptId)) return true;
    const history = (await (await remoteFetch(`${this.base}/history/${encodeURIComponent(promptId)}`, { headers: this.headers() }, this.http, signal)).json()) as Record<string, unknown>;
    return Object.hasOwn(history, promptId);
  }

  /** Until the prompt is in /history: woken by the socket's outcome, else polled. An error there fails the job. */
  private async waitFor(promptId: string, follower: PromptFollower, signal: AbortSignal): Promise<HistoryEntry> {
    let outcome: Outcome | undefined;
    void follower.outcome.then((o) => (outcome = o));
    for (;;) {
      if (outcome && !outcome.ok) throw new RemoteError(outcome.message, undefined, true);
      const history = (await (await remoteFetch(`${this.base}/history/${encodeURIComponent(promptId)}`, { headers: this.headers() }, this.http, signal)).json()) as Record<string, HistoryEntry>;
      const entry = history[promptId];
      if (entry) {
        if (entry.status?.status_str === 'error') {
          const error = entry.status.messages?.find(([type]) => type === 'execution_error' || type === 'execution_interrupted');
          throw new RemoteError(error ? executionError(error[1]) : `ComfyUI's prompt ${promptId} failed`, undefined, true);
        }
        if (entry.status?.completed !== false) return entry;
      }
      // The socket's word wakes the loop at once; otherwise it polls.
      const wait = outcome ? 50 : this.s.pollMs;
      await Promise.race([sleep(wait, undefined, { signal }), follower.outcome]).catch(() => undefined);
      if (signal.aborted) throw new ProviderError('stopped', 'aborted');
    }
  }

  private async download(file: ComfyFile, signal: AbortSignal): Promise<Buffer> {
    const query = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder, type: file.type });
    const bytes = await remoteBytes(`${this.base}/view?${query}`, { headers: this.headers() }, this.http, signal);
    if (!bytes?.length) throw new RemoteError(`ComfyUI's file ${file.filename} is empty`, undefined, true);
    return bytes;
  }

  /**
   * Stops the prompt on the GPU box: removed from the queue when it waits, interrupted when it runs. The interrupt
   * names the prompt (servers that know prompt_id interrupt only it) and is sent only when it is the running one,
   * so another client's job is never stopped. Best effort: the task ends either way.
   */
  private cancelRemote(promptId: string): void {
    const signal = AbortSignal.timeout(this.s.requestTimeoutMs);
    const post = (path: string, body: unknown) => fetch(`${this.base}${path}`, { method: 'POST', headers: this.headers(true), body: JSON.stringify(body), signal });
    void (async () => {
      const queue = (await (await fetch(`${this.base}/queue`, { headers: this.headers(), signal })).json()) as { queue_running?: unknown[][]; queue_pending?: unknown[][] };
      if ((queue.queue_pending ?? []).some((e) => e[1] === promptId)) await post('/queue', { delete: [promptId] });
      if ((queue.queue_running ?? []).some((e) => e[1] === promptId)) await post('/interrupt', { prompt_id: promptId });
    })().catch(() => undefined);
  }
}

export const comfyuiKind = defineKind({
  options,
  // One GPU box usually runs one prompt at a time; its own queue holds the rest. A few in flight keep it busy.
  defaults: { workers: 4, concurrency: 16 },
  create: (i) => new ComfyUIProvider(i),
});
