/**
 * A real HTTP proxy in front of a real remote (another Kineo) that injects faults into chosen requests: 500, 429
 * with Retry-After, 404 (a look-up that comes before the remote has finished making what it looks for), a hung or dropped connection, a request forwarded whose answer is dropped (the remote acted,
 * the caller cannot know), a corrupt body. Everything else is passed through (JSON answers with the remote's own
 * URLs rewritten to the proxy's, so downloads come through it too).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyFaultKind = 'status500' | 'status429' | 'status404' | 'hang' | 'drop' | 'forward-drop' | 'corrupt';

export interface ProxyFault {
  /** Which requests: a method and a path prefix ("POST /v1/videos/text2video"), a path prefix alone, or "download"
   * (a GET outside the API, /v1/ and /api/: a file, whether the remote serves it or its S3 storage does). */
  match: string;
  kind: ProxyFaultKind;
  times?: number;
  /** Only requests whose body contains this. */
  when?: string;
}

export interface FaultProxy {
  url: string;
  seen: string[];
  /** What the remote answered, in order: "POST /v1/videos/text2video → 200 {…" (the first 200 bytes). */
  answers: string[];
  faults: ProxyFault[];
  fail(...faults: ProxyFault[]): void;
  /** Points the proxy at the remote (it may start first, so the remote's public URL can be the proxy's). */
  target(url: string): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target = 'http://127.0.0.1:9'): Promise<FaultProxy> {
  const faults: ProxyFault[] = [];
  const seen: string[] = [];
  const answers: string[] = [];
  const hung = new Set<ServerResponse>();
  let targetUrl = new URL(target);

  const take = (method: string, path: string, body: string): ProxyFaultKind | undefined => {
    const line = `${method} ${path}`;
    const download = method === 'GET' && !/^\/(v1|api)\//.test(path);
    const i = faults.findIndex((f) => (line.startsWith(f.match) || path.startsWith(f.match) || (f.match === 'download' && download)) && (!f.when || body.includes(f.when)));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if ((f.times = (f.times ?? 1) - 1) <= 0) faults.splice(i, 1);
    return f.kind;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // /__origin/<origin>/<path>: a link to another server the remote handed out (its S3 storage), proxied too.
      const via = /^\/__origin\/([^/]+)(\/.*)$/.exec(req.url!);
      const origin = via ? new URL(decodeURIComponent(via[1]!)) : targetUrl;
      const path = via ? via[2]! : req.url!;
      seen.push(`${req.method} ${path}`);
      const fault = take(req.method!, path, body.toString('utf8'));
      if (fault === 'status500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ code: 5000, message: 'the remote fell over', error: { message: 'the remote fell over' } }));
      }
      if (fault === 'status429') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        return void res.end(JSON.stringify({ code: 1302, message: 'rate limited', error: { message: 'rate limited' } }));
      }
      if (fault === 'status404') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ code: 1203, message: 'not found (yet)', error: { message: 'not found (yet)' } }));
      }
      if (fault === 'hang') return void hung.add(res);
      if (fault === 'drop') return void req.socket.destroy();
      const headers = { ...req.headers, host: origin.host };
      delete headers['content-length'];
      void fetch(new URL(path, origin), { method: req.method, headers: headers as unknown as Record<string, string>, body: body.length ? body : undefined, redirect: 'manual' })
        .then(async (answer) => {
          let bytes = Buffer.from(await answer.arrayBuffer());
          // Links the remote hands out (signed file URLs) point back through the proxy, as a reverse proxy rewrites them.
          const rewrite = (text: string) => text.replace(/https?:\/\/(?:127\.0\.0\.1|localhost):\d+/g, (o) => (o === origin.origin ? self : `${self}/__origin/${encodeURIComponent(o)}`));
          if (/json/.test(answer.headers.get('content-type') ?? '')) bytes = Buffer.from(rewrite(bytes.toString('utf8')));
          answers.push(`${req.method} ${req.url} → ${answer.status} ${bytes.subarray(0, 200).toString('utf8')}`);
          if (fault === 'forward-drop') return void req.socket.destroy();
          const out = fault === 'corrupt' ? Buffer.from('corrupted on the way: not a video') : bytes;
          const h: Record<string, string> = {};
          answer.headers.forEach((v, k) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) h[k] = k === 'location' ? rewrite(v) : v;
          });
          res.writeHead(answer.status, { ...h, 'content-length': String(out.length) });
          res.end(out);
        })
        .catch((err: Error) => {
          answers.push(`${req.method} ${req.url} → proxy error: ${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`);
          req.socket.destroy();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    seen, answers, faults,
    fail: (...f) => void faults.push(...f),
    target: (url) => void (targetUrl = new URL(url)),
    close: () => new Promise<void>((resolve) => {
      for (const r of hung) r.socket?.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
