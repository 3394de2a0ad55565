/**
 * HTTP for remote providers: each call has a timeout, what is retryable (a dropped connection, a timeout, 429 and
 * 5xx) is retried with exponential backoff (a 429's Retry-After is honoured, capped), and the task's AbortSignal
 * ends a call or a wait at once. Anything else (4xx) is the request's fault and is not retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from './provider.js';

export interface RemoteCall {
  method?: string;
  headers?: Record<string, string>;
  /** A JSON or text body, or a multipart form (an upload: fetch writes it anew on every retry). */
  body?: string | FormData;
  /** Statuses that are answers rather than failures (e.g. 404 for an optional file). */
  accept?: number[];
}

export interface RemoteOptions {
  /** One call's time limit. */
  timeoutMs: number;
  /** Retries of a retryable failure before giving up. */
  retries: number;
  /** The first backoff; each retry doubles it. */
  backoffMs: number;
}

/** A remote's failure: `retryable` ones are worth trying again (by this call, then by the task's next attempt). */
export class RemoteError extends Error {
  constructor(message: string, readonly status: number | undefined, readonly retryable: boolean, readonly retryAfterMs?: number) {
    super(message);
  }
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The remote's own words about a failed call, from the common error bodies (OpenAI, Kling, ComfyUI, plain text). */
function remoteMessage(text: string): string {
  try {
    const body = JSON.parse(text) as {
      error?: { message?: string; code?: string; details?: string } | string; message?: string;
      /** ComfyUI's validation failures, per node: what is actually wrong. */
      node_errors?: Record<string, { class_type?: string; errors?: { message?: string; details?: string }[] }>;
    };
    const error = typeof body.error === 'string' ? { message: body.error } : body.error;
    const nodes = Object.entries(body.node_errors ?? {}).flatMap(([id, n]) =>
      (n.errors ?? []).map((e) => `node ${id}${n.class_type ? ` (${n.class_type})` : ''}: ${[e.message, e.details].filter(Boolean).join(': ')}`));
    const head = error?.message ?? body.message ?? (nodes.length ? '' : text.slice(0, 300));
    return [head, error?.details, ...nodes].filter(Boolean).join('; ').slice(0, 1000);
  } catch {
    return text.slice(0, 300);
  }
}

async function once(url: string, call: RemoteCall, options: RemoteOptions, signal: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { method: call.method ?? 'GET', headers: call.headers, body: call.body, signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]) });
  } catch (err) {
    if (signal.aborted) throw new ProviderError('generation was cancelled', 'aborted');
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (err as Error).message;
    throw new RemoteError(`${call.method ?? 'GET'} ${url} failed: ${why}`, undefined, true);
  }
  if (res.ok || call.accept?.includes(res.status)) return res;
  const text = await res.text().catch(() => '');
  const after = Number(res.headers.get('retry-after'));
  throw new RemoteError(`${call.method ?? 'GET'} ${url} answered ${res.status}: ${remoteMessage(text)}`, res.status, RETRYABLE.has(res.status),
    Number.isFinite(after) && after > 0 ? after * 1000 : undefined);
}

/** One call, retried while retryable; the last failure is thrown. */
export async function remoteFetch(url: string, call: RemoteCall, options: RemoteOptions, signal: AbortSignal): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(url, call, options, signal);
    } catch (err) {
      if (!(err instanceof RemoteError) || !err.retryable || attempt >= options.retries) throw err;
      const wait = Math.min(60_000, err.retryAfterMs ?? options.backoffMs * 2 ** attempt);
      await sleep(wait, undefined, { signal }).catch(() => {
        throw new ProviderError('generation was cancelled', 'aborted');
      });
    }
  }
}

/** A whole body, retried like the call: a connection dropped mid-download is worth another try. */
export async function remoteBytes(url: string, call: RemoteCall, options: RemoteOptions, signal: AbortSignal): Promise<Buffer | undefined> {
  for (let attempt = 0; ; attempt++) {
    const res = await remoteFetch(url, call, options, signal);
    if (!res.ok) return undefined;
    try {
      return Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (signal.aborted) throw new ProviderError('generation was cancelled', 'aborted');
      if (attempt >= options.retries) throw new RemoteError(`downloading ${url} failed: ${(err as Error).message}`, undefined, true);
    }
  }
}
