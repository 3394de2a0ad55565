/**
 * A fake ComfyUI for tests and benchmarks, written from ComfyUI's documented HTTP + WebSocket API: POST /prompt
 * (graph validation with ComfyUI's error shape), /ws?clientId= (status, execution_start, executing, progress,
 * executed, execution_success / execution_error / execution_interrupted), GET /history/{id}, GET /view,
 * POST /upload/image (multipart), POST /interrupt, GET and POST /queue. Its "GPU" runs each prompt for `jobMs`
 * and renders a real video with ffmpeg at the graph's size, length and frame rate (SaveVideo → MP4, SaveWEBM →
 * WebM). Faults are injected per endpoint: 500, 429 with Retry-After, a hung or dropped connection (also a prompt
 * accepted and its answer dropped), a socket dropped mid-prompt, a prompt that never finishes, an execution error,
 * a corrupt file.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ffmpegPath } from '../../src/engine/ffmpeg.js';

type Endpoint = 'prompt' | 'history' | 'view' | 'upload' | 'ws' | 'run' | 'queue';
export type FaultKind =
  | 'status500' | 'status429' | 'hang' | 'drop'
  /** prompt: queue it, then drop the connection before answering (the client cannot know it was taken). */
  | 'accept-drop'
  /** ws: drop the prompt's sockets after its first progress message. */
  | 'ws-drop'
  /** run: start, then never finish. */
  | 'never'
  /** run: fail with an execution_error. */
  | 'error'
  /** run: save a file that is not a video. */
  | 'corrupt';

export interface Fault {
  on: Endpoint;
  kind: FaultKind;
  /** How many times it fires (default 1). */
  times?: number;
  /** Only for prompts whose prompt text contains this (lets concurrent tests aim at their own tasks). */
  when?: string;
}

interface NodeSpec {
  required: string[];
  /** Inputs that must be numbers (a placeholder left as a string is a validation error, as in ComfyUI). */
  numbers?: string[];
  output?: boolean;
}

/** The node types the shipped workflows use, with their required inputs (ComfyUI's INPUT_TYPES / define_schema). */
const NODES: Record<string, NodeSpec> = {
  UNETLoader: { required: ['unet_name', 'weight_dtype'] },
  CLIPLoader: { required: ['clip_name', 'type'] },
  VAELoader: { required: ['vae_name'] },
  ModelSamplingSD3: { required: ['model', 'shift'], numbers: ['shift'] },
  CLIPTextEncode: { required: ['text', 'clip'] },
  LoadImage: { required: ['image'] },
  Wan22ImageToVideoLatent: { required: ['vae', 'width', 'height', 'length', 'batch_size'], numbers: ['width', 'height', 'length', 'batch_size'] },
  EmptyHunyuanLatentVideo: { required: ['width', 'height', 'length', 'batch_size'], numbers: ['width', 'height', 'length', 'batch_size'] },
  KSampler: { required: ['model', 'seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'positive', 'negative', 'latent_image', 'denoise'], numbers: ['seed', 'steps', 'cfg', 'denoise'] },
  VAEDecode: { required: ['samples', 'vae'] },
  CreateVideo: { required: ['images', 'fps'], numbers: ['fps'] },
  SaveVideo: { required: ['video', 'filename_prefix', 'format', 'codec'], output: true },
  SaveWEBM: { required: ['images', 'filename_prefix', 'codec', 'fps', 'crf'], numbers: ['fps', 'crf'], output: true },
};

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

interface Prompt {
  id: string;
  number: number;
  graph: Graph;
  clientId?: string;
  extra: Record<string, unknown>;
  text: string;
  state: 'pending' | 'running' | 'done';
  interrupted?: boolean;
}

export interface FakeComfyUI {
  url: string;
  /** Every prompt accepted, in order. */
  prompts: Prompt[];
  /** Requests seen: "POST /prompt", "GET /history/…", … */
  seen: string[];
  interrupts: (string | undefined)[];
  deletes: string[];
  uploads: Map<string, Buffer>;
  faults: Fault[];
  fail(...faults: Fault[]): void;
  /** Sockets open now (a test sees they are closed after a job). */
  openSockets(): number;
  close(): Promise<void>;
}

export interface FakeOptions {
  /** How long the GPU works on one prompt. */
  jobMs?: number;
  /** Prompts run at once (ComfyUI: 1; a benchmark's farm: more). */
  concurrency?: number;
}

// Server → client frames are unmasked (RFC 6455 §5.1).
function wsFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, len]) : len < 65536 ? Buffer.from([0x81, 126, len >> 8, len & 0xff])
    : Buffer.concat([Buffer.from([0x81, 127]), Buffer.from(new BigUint64Array([BigInt(len)]).buffer).reverse()]);
  return Buffer.concat([head, payload]);
}

const renders = new Map<string, Buffer>();

/** A real clip: ffmpeg's test pattern at the graph's size, length and rate (cached: many jobs share a shape). */
function render(width: number, height: number, frames: number, fps: number, container: 'mp4' | 'webm'): Buffer {
  const key = `${width}x${height}x${frames}@${fps}.${container}`;
  const cached = renders.get(key);
  if (cached) return cached;
  const codec = container === 'mp4' ? ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'ultrafast', '-movflags', '+faststart'] : ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-b:v', '200k'];
  // A file, not a pipe: the MP4 muxer seeks back to write its index.
  const dir = mkdtempSync(join(tmpdir(), 'fake-comfyui-'));
  try {
    const path = join(dir, `out.${container}`);
    const out = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`, '-frames:v', String(frames), ...codec, path]);
    if (out.status !== 0) throw new Error(`fake ComfyUI could not render: ${out.stderr.toString()}`);
    const bytes = readFileSync(path);
    renders.set(key, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function validate(graph: Graph, uploads: Map<string, Buffer>): Record<string, unknown> {
  const errors: Record<string, unknown> = {};
  const fail = (id: string, type: string, message: string, details: string) => {
    errors[id] = { errors: [{ type, message, details, extra_info: {} }], dependent_outputs: [], class_type: graph[id]?.class_type };
  };
  for (const [id, node] of Object.entries(graph)) {
    const spec = NODES[node.class_type];
    if (!spec) {
      fail(id, 'invalid_prompt', `Cannot execute because node ${node.class_type} does not exist.`, `Node ID '#${id}'`);
      continue;
    }
    for (const input of spec.required) {
      if (!(input in node.inputs)) fail(id, 'required_input_missing', 'Required input is missing', input);
    }
    for (const input of spec.numbers ?? []) {
      const v = node.inputs[input];
      if (v !== undefined && !Array.isArray(v) && typeof v !== 'number') fail(id, 'invalid_input_type', `Failed to convert an input value to a number`, `${input}, ${JSON.stringify(v)}`);
    }
    for (const [input, v] of Object.entries(node.inputs)) {
      if (Array.isArray(v) && !(String(v[0]) in graph)) fail(id, 'bad_linked_input', 'Bad linked input', `${input} links to missing node ${String(v[0])}`);
    }
    if (node.class_type === 'LoadImage' && !uploads.has(String(node.inputs.image))) fail(id, 'custom_validation_failed', 'Invalid image file', `image - Invalid image file: ${String(node.inputs.image)}`);
  }
  return errors;
}

export async function startFakeComfyUI(options: FakeOptions = {}): Promise<FakeComfyUI> {
  const jobMs = options.jobMs ?? 150;
  const concurrency = options.concurrency ?? 1;
  const prompts: Prompt[] = [];
  const byId = new Map<string, Prompt>();
  const history = new Map<string, unknown>();
  const files = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer>();
  const sockets = new Map<string, Set<Duplex>>();
  const seen: string[] = [];
  const interrupts: (string | undefined)[] = [];
  const deletes: string[] = [];
  const faults: Fault[] = [];
  const hung = new Set<ServerResponse>();
  let number = 0;
  let running = 0;

  /** The first fault aimed at this endpoint (and prompt), used up. */
  const take = (on: Endpoint, text = '', only?: FaultKind): FaultKind | undefined => {
    const i = faults.findIndex((f) => f.on === on && (!f.when || text.includes(f.when)) && (!only || f.kind === only));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if ((f.times = (f.times ?? 1) - 1) <= 0) faults.splice(i, 1);
    return f.kind;
  };

  const send = (clientId: string | undefined, type: string, data: Record<string, unknown>) => {
    for (const s of (clientId && sockets.get(clientId)) || []) if (!s.destroyed) s.write(wsFrame(JSON.stringify({ type, data })));
  };
  const queueEntry = (p: Prompt) => [p.number, p.id, p.graph, p.extra, Object.keys(p.graph).filter((id) => NODES[p.graph[id]!.class_type]?.output)];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const pump = () => {
    while (running < concurrency) {
      const next = prompts.find((p) => p.state === 'pending');
      if (!next) return;
      next.state = 'running';
      running++;
      void execute(next).catch((err: Error) => {
        send(next.clientId, 'execution_error', { prompt_id: next.id, exception_message: err.message });
        history.set(next.id, { outputs: {}, status: { status_str: 'error', completed: false, messages: [['execution_error', { exception_message: err.message }]] } });
        next.state = 'done';
      }).finally(() => {
        running--;
        pump();
      });
    }
  };

  async function execute(p: Prompt): Promise<void> {
    const fault = take('run', p.text);
    const wsFault = take('ws', p.text, 'ws-drop');
    const messages: [string, Record<string, unknown>][] = [];
    const emit = (type: string, data: Record<string, unknown>) => {
      const full = { ...data, prompt_id: p.id };
      if (type.startsWith('execution_')) messages.push([type, { ...full, timestamp: Date.now() }]);
      send(p.clientId, type, full);
    };
    const finish = (status: 'success' | 'error', outputs: Record<string, unknown>) => {
      history.set(p.id, { prompt: queueEntry(p), outputs, status: { status_str: status, completed: status === 'success', messages }, meta: {} });
      p.state = 'done';
    };
    emit('execution_start', {});
    emit('execution_cached', { nodes: [] });
    const order = Object.keys(p.graph).sort((a, b) => Number(a) - Number(b));
    const latent = Object.values(p.graph).find((n) => 'length' in n.inputs && 'width' in n.inputs)?.inputs ?? {};
    const video = Object.values(p.graph).find((n) => n.class_type === 'CreateVideo' || n.class_type === 'SaveWEBM')?.inputs ?? {};
    const outputs: Record<string, unknown> = {};
    for (const id of order) {
      if (p.interrupted) break;
      const node = p.graph[id]!;
      emit('executing', { node: id, display_node: id });
      if (node.class_type === 'KSampler') {
        // Stays running, silent, until interrupted (as a hung GPU job does; it holds its slot meanwhile).
        if (fault === 'never') while (!p.interrupted) await sleep(50);
        const steps = Math.min(10, Number(node.inputs.steps) || 1);
        for (let step = 1; step <= steps && !p.interrupted; step++) {
          await sleep(jobMs / steps);
          emit('progress', { value: step, max: steps, node: id });
          if (step === 1 && wsFault === 'ws-drop') for (const s of sockets.get(p.clientId ?? '') ?? []) s.destroy();
        }
        if (fault === 'error') {
          emit('execution_error', { node_id: id, node_type: node.class_type, executed: [], exception_message: 'CUDA out of memory. Tried to allocate 2.00 GiB', exception_type: 'torch.OutOfMemoryError', traceback: [], current_inputs: {}, current_outputs: {} });
          return finish('error', {});
        }
      }
      const spec = NODES[node.class_type];
      if (spec?.output) {
        const container = node.class_type === 'SaveWEBM' ? 'webm' : 'mp4';
        const width = Number(latent.width) || 64;
        const height = Number(latent.height) || 64;
        const bytes = fault === 'corrupt' ? Buffer.from('this is not a video at all') : render(width - (width % 2), height - (height % 2), Number(latent.length) || 9, Number(video.fps) || 8, container);
        const prefix = String(node.inputs.filename_prefix ?? 'ComfyUI');
        const slash = prefix.lastIndexOf('/');
        const subfolder = slash >= 0 ? prefix.slice(0, slash) : '';
        const filename = `${prefix.slice(slash + 1)}_${String(++number).padStart(5, '0')}_.${container}`;
        files.set(`output/${subfolder}/${filename}`, bytes);
        const output = { images: [{ filename, subfolder, type: 'output' }], animated: [true] };
        outputs[id] = output;
        emit('executed', { node: id, display_node: id, output });
      }
    }
    if (p.interrupted) {
      emit('execution_interrupted', { node_id: order[0], node_type: p.graph[order[0]!]!.class_type, executed: [] });
      return finish('error', {});
    }
    emit('executing', { node: null, display_node: null });
    emit('execution_success', {});
    finish('success', outputs);
  }

  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };

  /** A fault that answers for the endpoint; true when it did. */
  const answerFault = (kind: FaultKind | undefined, req: IncomingMessage, res: ServerResponse): boolean => {
    switch (kind) {
      case 'status500':
        json(res, 500, { error: { type: 'server_error', message: 'the GPU box fell over', details: '', extra_info: {} } });
        return true;
      case 'status429':
        json(res, 429, { error: { message: 'too many prompts queued' } }, { 'retry-after': '1' });
        return true;
      case 'hang':
        hung.add(res);
        return true;
      case 'drop':
        req.socket.destroy();
        return true;
      default:
        return false;
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url!, 'http://fake');
    seen.push(`${req.method} ${url.pathname}`);
    if (req.method === 'POST' && url.pathname === '/prompt') {
      const data = JSON.parse(body.toString('utf8') || '{}') as { prompt?: Graph; client_id?: string; prompt_id?: string; extra_data?: Record<string, unknown> };
      const text = JSON.stringify(data.prompt ?? {});
      const fault = take('prompt', text);
      if (answerFault(fault, req, res)) return;
      if (!data.prompt) return json(res, 400, { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
      const nodeErrors = validate(data.prompt, uploads);
      if (Object.keys(nodeErrors).length) {
        return json(res, 400, { error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} }, node_errors: nodeErrors });
      }
      const p: Prompt = { id: data.prompt_id ?? randomUUID(), number: number++, graph: data.prompt, clientId: data.client_id, extra: { ...data.extra_data, client_id: data.client_id }, text, state: 'pending' };
      prompts.push(p);
      byId.set(p.id, p);
      pump();
      if (fault === 'accept-drop') return void req.socket.destroy();
      return json(res, 200, { prompt_id: p.id, number: p.number, node_errors: {} });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/history/')) {
      const id = decodeURIComponent(url.pathname.slice('/history/'.length));
      if (answerFault(take('history', byId.get(id)?.text), req, res)) return;
      return json(res, 200, history.has(id) ? { [id]: history.get(id) } : {});
    }
    if (req.method === 'GET' && url.pathname === '/view') {
      const key = `${url.searchParams.get('type') ?? 'output'}/${url.searchParams.get('subfolder') ?? ''}/${url.searchParams.get('filename') ?? ''}`;
      if (answerFault(take('view'), req, res)) return;
      const file = files.get(key);
      if (!file) return json(res, 404, { error: 'not found' });
      res.writeHead(200, { 'content-type': key.endsWith('.webm') ? 'video/webm' : 'video/mp4', 'content-length': file.length });
      return void res.end(file);
    }
    if (req.method === 'POST' && url.pathname === '/upload/image') {
      if (answerFault(take('upload'), req, res)) return;
      const form = await new Request('http://fake/upload', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: new Uint8Array(body) }).formData();
      const image = form.get('image');
      if (!(image instanceof Blob)) return json(res, 400, { error: 'no image' });
      const subfolder = String(form.get('subfolder') ?? '');
      const name = (image as File).name || `${createHash('sha256').update(Buffer.from(await image.arrayBuffer())).digest('hex')}.png`;
      uploads.set(subfolder ? `${subfolder}/${name}` : name, Buffer.from(await image.arrayBuffer()));
      return json(res, 200, { name, subfolder, type: String(form.get('type') ?? 'input') });
    }
    if (req.method === 'POST' && url.pathname === '/interrupt') {
      const data = JSON.parse(body.toString('utf8') || '{}') as { prompt_id?: string };
      interrupts.push(data.prompt_id);
      for (const p of prompts) if (p.state === 'running' && (!data.prompt_id || p.id === data.prompt_id)) p.interrupted = true;
      res.writeHead(200);
      return void res.end();
    }
    if (url.pathname === '/queue') {
      if (answerFault(take('queue'), req, res)) return;
      if (req.method === 'POST') {
        const data = JSON.parse(body.toString('utf8') || '{}') as { delete?: string[]; clear?: boolean };
        for (const id of data.delete ?? []) {
          const p = byId.get(id);
          if (p?.state === 'pending') {
            deletes.push(id);
            prompts.splice(prompts.indexOf(p), 1);
            byId.delete(id);
          }
        }
        res.writeHead(200);
        return void res.end();
      }
      return json(res, 200, { queue_running: prompts.filter((p) => p.state === 'running').map(queueEntry), queue_pending: prompts.filter((p) => p.state === 'pending').map(queueEntry) });
    }
    json(res, 404, { error: 'not found' });
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)).catch((err: Error) => json(res, 500, { error: { message: err.message } })));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const url = new URL(req.url!, 'http://fake');
    seen.push(`WS ${url.pathname}`);
    const key = req.headers['sec-websocket-key'];
    const fault = faults.some((f) => f.on === 'ws' && f.kind !== 'ws-drop') ? take('ws') : undefined;
    if (url.pathname !== '/ws' || typeof key !== 'string' || fault === 'status500' || fault === 'drop') {
      socket.end('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
    const clientId = url.searchParams.get('clientId') ?? randomUUID();
    let set = sockets.get(clientId);
    if (!set) sockets.set(clientId, (set = new Set()));
    set.add(socket);
    const forget = () => {
      set!.delete(socket);
      if (!set!.size) sockets.delete(clientId);
    };
    socket.on('close', forget);
    socket.on('error', forget);
    // Client frames: only a close matters here (opcode 8 in the first byte of a frame).
    socket.on('data', (d: Buffer) => {
      if ((d[0]! & 0x0f) === 0x8) socket.end();
    });
    socket.write(wsFrame(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: prompts.filter((p) => p.state !== 'done').length } }, sid: clientId } })));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, prompts, seen, interrupts, deletes, uploads, faults,
    fail: (...f) => void faults.push(...f),
    openSockets: () => [...sockets.values()].reduce((n, s) => n + s.size, 0),
    close: () => new Promise<void>((resolve) => {
      for (const res of hung) res.socket?.destroy();
      for (const set of sockets.values()) for (const s of set) s.destroy();
      for (const p of prompts) p.interrupted = true;
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
