/**
 * A property-based fuzzer driven by the server's own /openapi.json: for every operation it builds requests from
 * the operation's schemas — mostly-valid values with a few fields made hostile, wholly hostile bodies, raw bodies
 * that are not JSON, multipart forms, hostile path ids and query values — and sends them with a valid key, a
 * Kling JWT, a wrong key or none. Every answer must be below 500, and every 4xx must be in the wire format of the
 * route's family (Kling: {code, message, request_id, data: null}; OpenAI and native: {error: {code, message,
 * type, param}}). A seeded PRNG makes a run repeatable: a failure prints its seed and the request.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { klingToken } from './helpers.js';

/** A full garbage collection, so that RSS figures are not whatever the collector left lying about. */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Family = 'kling' | 'openai' | 'native';

export interface Operation {
  method: string;
  /** The OpenAPI path, e.g. /api/tasks/{id}. */
  path: string;
  family: Family;
  params: { name: string; in: 'path' | 'query'; schema: Schema; required: boolean }[];
  body?: Schema;
}

type Schema = Record<string, any>;

/** The wire format of an operation, from its tag (the route table's grouping), not from its path. */
export function familyOfTags(tags: string[] = []): Family {
  if (tags.includes('Kling')) return 'kling';
  if (tags.includes('OpenAI videos')) return 'openai';
  return 'native';
}

export function operationsOf(doc: any): Operation[] {
  const resolve = (s: Schema | undefined): Schema | undefined => {
    if (!s || typeof s.$ref !== 'string') return s;
    const name = s.$ref.replace('#/components/schemas/', '');
    return doc.components?.schemas?.[name];
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      ops.push({
        method: method.toUpperCase(), path, family: familyOfTags(op.tags),
        params: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, schema: p.schema ?? {}, required: !!p.required })),
        body: resolve(op.requestBody?.content?.['application/json']?.schema),
      });
    }
  }
  // Paths the route table declares with a parameter but which the document lacks a parameter for still get one.
  for (const op of ops) {
    for (const m of op.path.matchAll(/\{(\w+)\}/g)) {
      if (!op.params.some((p) => p.in === 'path' && p.name === m[1])) op.params.push({ name: m[1]!, in: 'path', schema: { type: 'string' }, required: true });
    }
  }
  return ops;
}

class Gen {
  constructor(readonly rand: () => number, readonly refs: (name: string) => Schema | undefined) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  resolve(s: Schema): Schema {
    return typeof s?.$ref === 'string' ? this.refs(s.$ref.replace('#/components/schemas/', '')) ?? {} : s ?? {};
  }

  /** A value the schema accepts, or nearly (patterns are not honoured: a wrong value there is a fine test too). */
  valid(s0: Schema, depth = 0): unknown {
    const s = this.resolve(s0);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum)) return this.pick(s.enum);
    if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) return this.valid(this.pick((s.anyOf ?? s.oneOf) as Schema[]), depth);
    const type = Array.isArray(s.type) ? this.pick(s.type) : s.type;
    switch (type) {
      case 'string': {
        const lo = s.minLength ?? 0;
        const hi = Math.min(s.maxLength ?? 40, lo + 40);
        if (s.format === 'uri' || /url|image|video/.test(String(s.description ?? ''))) return this.pick(['https://example.com/a.png', 'data:image/png;base64,AAAA', 'AAAA']);
        return this.words(this.int(lo, Math.max(lo, hi)));
      }
      case 'integer': {
        const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -5);
        const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : lo + 100);
        return this.int(lo, hi);
      }
      case 'number': {
        const lo = s.minimum ?? s.exclusiveMinimum ?? 0;
        const hi = s.maximum ?? s.exclusiveMaximum ?? lo + 10;
        return lo + this.rand() * (hi - lo);
      }
      case 'boolean':
        return this.chance(0.5);
      case 'null':
        return null;
      case 'array': {
        if (depth > 6) return [];
        const lo = s.minItems ?? 0;
        const hi = Math.min(s.maxItems ?? 3, lo + 3);
        return Array.from({ length: this.int(lo, hi) }, () => this.valid(s.items ?? {}, depth + 1));
      }
      case 'object':
      default: {
        if (!s.properties) return type === 'object' ? {} : this.words(5);
        if (depth > 6) return {};
        const out: Record<string, unknown> = {};
        const required = new Set<string>(s.required ?? []);
        for (const [k, v] of Object.entries<Schema>(s.properties)) if (required.has(k) || this.chance(0.5)) out[k] = this.valid(v, depth + 1);
        return out;
      }
    }
  }

  words(n: number): string {
    const w = ['a', 'cat', 'bounces', 'on', 'the', 'beach', 'red', 'fox', 'snow', 'ball'];
    let s = '';
    while (s.length < n) s += (s ? ' ' : '') + this.pick(w);
    return s.slice(0, n);
  }

  /** A hostile scalar or structure: wrong types, edges, huge, deep, odd unicode, control characters. */
  hostile(): unknown {
    const k = this.int(0, 27);
    switch (k) {
      case 0: return null;
      case 1: return '';
      case 2: return this.pick([true, false]);
      case 3: return this.pick([0, -1, -0, 1, 1.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 0.1 + 0.2]);
      case 4: return 'x'.repeat(this.pick([256, 1025, 4097, 70_000, 300_000]));
      case 5: return [];
      case 6: return {};
      case 7: return Array.from({ length: this.pick([100, 1000, 5000]) }, () => this.pick(['a', 1, null, {}]));
      case 8: return this.nested(this.pick([20, 200, 2000]));
      case 9: return this.pick(['\u0000', 'a\u0000b', '\u001b[2J', '\u007f', '\u0085', '\u2028\u2029', '\r\n\r\nX-Injected: 1', '\t\t\t']);
      case 10: return this.pick(['\ud800', '\udfff', 'a\ud83d', '\ufeff', '\u202e evil', 'e\u0301\u0301\u0301\u0301\u0301', '🐱'.repeat(500), '中文提示词', 'ﷺ'.repeat(100), '\uffff\ufffe']);
      case 11: return this.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
      case 12: return { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } };
      case 13: return this.pick(['../../../../etc/passwd', '..%2f..%2f', '/etc/passwd', 'C:\\Windows\\win.ini', 'file:///etc/passwd', '\\\\server\\share']);
      case 14: return this.pick(['http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'gopher://x', 'javascript:alert(1)', 'data:text/html,<script>', 'data:image/png;base64,!!!!', 'http://', 'https://example.com:99999/']);
      case 15: return this.pick(["' OR 1=1 --", '"; DROP TABLE tasks; --', '%s%s%s%n', '${jndi:ldap://x}', '{{7*7}}', '<script>alert(1)</script>', '$where', '{"$gt": ""}']);
      case 16: return this.pick(['NaN', 'Infinity', '-Infinity', '1e999', '0x10', '1_000', ' 5 ', '5.', '.5', '+5', '05', '-0', '9'.repeat(400)]);
      case 17: return this.pick(['true', 'false', 'null', 'undefined', '[]', '{}', '0']);
      case 18: return { a: this.hostile() };
      case 19: return [this.hostile(), this.hostile()];
      case 20: return this.pick(['16:9', '9:16', '1:1', '0:0', '99999:1', '720x1280', '0x0', '-1x-1', '99999x99999', '4', '8', '12', '5', '10', '0', '-5', '1e3']);
      case 21: return this.pick(['kling-v1', 'sora-2', 'oracle', 'builtin', 'kineo-mini', 'std', 'pro', 'squish', 'nonexistent-model']);
      case 22: return this.words(this.int(0, 2000));
      case 23: return ' '.repeat(this.pick([1, 10, 1000]));
      case 24: return this.pick([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 4294967296, -4294967297, 1e21, 123456789012345680000]);
      case 25: return Object.fromEntries(Array.from({ length: this.pick([50, 500]) }, (_, i) => [`k${i}`, i]));
      case 26: return this.pick(['tsk_' + 'a'.repeat(24), 'file_' + '0'.repeat(24), 'task_x', 'id', '*', '%', '?', '#']);
      default: return String.fromCharCode(...Array.from({ length: this.int(1, 40) }, () => this.int(0, 0xffff)));
    }
  }

  nested(depth: number): unknown {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = this.chance(0.5) ? [v] : { a: v };
    return v;
  }

  /** A body: mostly valid with a few fields mutated, or wholly hostile. */
  body(s: Schema | undefined): unknown {
    if (!s || this.chance(0.12)) return this.hostile();
    const base = this.valid(s);
    if (!base || typeof base !== 'object' || Array.isArray(base)) return base;
    const obj = base as Record<string, unknown>;
    const props = Object.keys(this.resolve(s).properties ?? {});
    const mutations = this.int(0, 3);
    for (let i = 0; i < mutations; i++) {
      const m = this.int(0, 4);
      const key = props.length ? this.pick(props) : 'x';
      if (m === 0) delete obj[key];
      else if (m === 1) obj[`unknown_${this.int(0, 9)}`] = this.hostile();
      else if (m === 2 && obj[key] && typeof obj[key] === 'object' && !Array.isArray(obj[key])) {
        // one level down: a nested field made hostile
        const inner = obj[key] as Record<string, unknown>;
        const ik = Object.keys(inner);
        inner[ik.length ? this.pick(ik) : 'x'] = this.hostile();
      } else obj[key] = this.hostile();
    }
    return obj;
  }

  /** A path segment: a hostile id, encoded so it stays one segment (sometimes left raw). */
  pathValue(ids: string[]): string {
    const r = this.rand();
    if (r < 0.25 && ids.length) return this.pick(ids);
    // ('.' and '..' are not sent: fetch resolves them, and the request goes to another route)
    if (r < 0.3) return this.pick(['%00', '%', '%zz', '%ff%fe', 'a%2Fb', ';', '~', '%20', '+']);
    const v = this.hostile();
    const s = typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined';
    const cut = s.slice(0, this.pick([50, 300, 301, 600]));
    // a lone surrogate has no UTF-8 form: send the bytes an encoder of CESU-8 would (not valid UTF-8 either)
    return (cut as string & { isWellFormed(): boolean }).isWellFormed() ? encodeURIComponent(cut) : `${encodeURIComponent((cut as string & { toWellFormed(): string }).toWellFormed())}%ED%A0%80`;
  }

  queryValue(s: Schema): string {
    if (this.chance(0.4)) {
      const v = this.valid(s);
      return typeof v === 'string' ? v : JSON.stringify(v);
    }
    const v = this.hostile();
    return (typeof v === 'string' ? v : JSON.stringify(v) ?? '').slice(0, this.pick([20, 200, 3000]));
  }
}

export interface FuzzRequest {
  op: Operation;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | FormData | Uint8Array;
  describe: string;
}

export interface Credentials {
  secret: string;
  access: string;
  ids: string[];
}

/** One request for an operation. */
export async function makeRequest(gen: Gen, op: Operation, cred: Credentials): Promise<FuzzRequest> {
  let path = op.path.replace(/\{(\w+)\}/g, () => gen.pathValue(cred.ids));
  const query = new URLSearchParams();
  for (const p of op.params.filter((x) => x.in === 'query')) {
    if (gen.chance(0.5)) query.append(p.name, gen.queryValue(p.schema));
    if (gen.chance(0.05)) query.append(p.name, gen.queryValue(p.schema)); // a repeated key
  }
  if (gen.chance(0.1)) query.append(gen.pick(['pageNum', 'pageSize', 'limit', 'after', 'order', 'exp', 'sig', '__proto__', 'x']), gen.queryValue({ type: 'string' }));
  const qs = query.toString();
  if (qs) path += `?${qs}`;

  const headers: Record<string, string> = {};
  const auth = gen.rand();
  let authDesc: string;
  if (auth < 0.1) authDesc = 'no key';
  else if (auth < 0.15) {
    headers.authorization = gen.pick(['Bearer ', 'Bearer sk_nope', 'Basic Zm9vOmJhcg==', `Bearer ${cred.secret}x`, 'Bearer a.b.c', `Bearer ${'x'.repeat(5000)}`, 'bearer x\ty']);
    authDesc = 'a wrong key';
  } else if (auth < 0.2) {
    headers.authorization = `Bearer ${await klingToken({ access_key: cred.access, secret_key: cred.secret }, { exp: Math.floor(Date.now() / 1000) - 60 })}`;
    authDesc = 'an expired JWT';
  } else if (auth < 0.25) {
    // a session cookie that is no session: hostile values, percent-encoded as a cookie carries them
    const v = gen.hostile();
    headers.cookie = `kineo_session=${gen.pick([encodeURIComponent(String(typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 300).replace(/[\ud800-\udfff]/g, '')), '%00', '%zz', 'x'.repeat(201), ''])}`;
    if (gen.chance(0.5)) headers['x-csrf-token'] = gen.pick(['x', '', 'null']);
    authDesc = `the cookie ${headers.cookie.slice(0, 60)}`;
  } else if (op.family === 'kling' && auth < 0.6) {
    headers.authorization = `Bearer ${await klingToken({ access_key: cred.access, secret_key: cred.secret })}`;
    authDesc = 'a Kling JWT';
  } else {
    headers.authorization = `Bearer ${cred.secret}`;
    authDesc = 'the key';
  }
  if (gen.chance(0.05)) headers['idempotency-key'] = String(gen.pick(['', 'x'.repeat(300), 'k1', '\u00e9', 'a b']));
  if (gen.chance(0.03)) headers['x-request-id'] = gen.pick(['\u00ff', 'x'.repeat(200), '../', 'ok-1']);

  let body: FuzzRequest['body'];
  let bodyDesc = '';
  if (op.method !== 'GET' && (op.method !== 'DELETE' || gen.chance(0.1))) {
    const r = gen.rand();
    if (r < 0.7 || !op.body && r < 0.8) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(gen.body(op.body)) ?? 'null';
      bodyDesc = 'JSON';
    } else if (r < 0.82) {
      headers['content-type'] = gen.pick(['application/json', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;;;', 'application/vnd.api+json']);
      body = gen.pick(['', '{', '{"a":', '[', 'nul', '"\\u12"', '{"a":1}{"b":2}', `${'['.repeat(20_000)}`, `{"prompt":"${'\\'.repeat(3)}"}`, '\u0000', '{"__proto__":{"x":1}}', `{"a":${'9'.repeat(5000)}}`, '\ufeff{}']);
      bodyDesc = 'raw not-JSON';
    } else if (r < 0.92) {
      const form = new FormData();
      const value = (gen.valid(op.body ?? {}) ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(typeof value === 'object' && value ? value : {})) {
        form.append(gen.chance(0.1) ? `${k}[x]` : k, gen.chance(0.3) ? String(gen.hostile()) : typeof v === 'string' ? v : JSON.stringify(v));
      }
      if (gen.chance(0.5)) {
        const bytes = new Uint8Array(gen.pick([0, 1, 100, 70_000]));
        for (let i = 0; i < bytes.length; i += 997) bytes[i] = gen.int(0, 255);
        form.append(gen.pick(['input_reference', 'image', 'file', 'video']), new Blob([bytes], { type: gen.pick(['image/png', 'image/jpeg', 'video/mp4', 'text/plain', '']) }), gen.pick(['a.png', '', '../../x.png', '\u0000.png']));
      }
      body = form;
      bodyDesc = 'multipart';
    } else {
      headers['content-type'] = gen.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/octet-stream']);
      body = gen.pick(['a=1&b=2', '<x/>', 'hello', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', '']);
      bodyDesc = `body as ${headers['content-type']}`;
    }
  }
  // now and then a method the route does not have (a 404 in the family's format), or HEAD for a GET (no body)
  const r = gen.rand();
  const method = r < 0.02 ? gen.pick(['PUT', 'PATCH', 'OPTIONS', 'PROPFIND']) : r < 0.04 && op.method === 'GET' ? 'HEAD' : op.method;
  if (method === 'HEAD') body = undefined;
  return { op, method, path, headers, body, describe: `${method} ${path.slice(0, 200)} with ${authDesc}${bodyDesc ? `, ${bodyDesc} ${typeof body === 'string' ? body.slice(0, 300) : ''}` : ''}` };
}

export interface FuzzFailure {
  request: string;
  status: number;
  body: string;
  why: string;
}

export interface FuzzStats {
  requests: number;
  perFamily: Record<string, number>;
  perOperation: Map<string, number>;
  statuses: Record<string, number>;
  failures: FuzzFailure[];
  ms: number;
  rssWarmMiB: number;
  rssEndMiB: number;
  /** RSS after a full collection every 1000 requests. */
  rssSamplesMiB: number[];
}

/** Operations answered without a key (any other answering 2xx without one is a failure). */
const OPEN = new Set(['GET /api/session', 'POST /api/auth/signup', 'POST /api/auth/signin', 'GET /api/effects', 'GET /api/effects/{id}/preview.gif', 'GET /files/{id}']);

function checkEnvelope(op: Operation, status: number, text: string, contentType: string | null): string | undefined {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the error body is not JSON';
  }
  if (!contentType?.startsWith('application/json')) return `the error's content-type is ${contentType}`;
  if (op.family === 'kling') {
    const keys = Object.keys(body ?? {}).sort().join(',');
    if (keys !== 'code,data,message,request_id') return `not Kling's envelope (keys ${keys})`;
    if (typeof body.code !== 'number' || body.code < 1000 || typeof body.message !== 'string' || !body.message || typeof body.request_id !== 'string' || body.data !== null) return 'Kling envelope with wrong field types';
  } else {
    const keys = Object.keys(body ?? {}).join(',');
    if (keys !== 'error') return `not the {error} envelope (keys ${keys})`;
    const e = body.error;
    if (!e || typeof e.code !== 'string' || !/^[a-z_]+$/.test(e.code) || typeof e.message !== 'string' || !e.message || typeof e.type !== 'string' || !(e.param === null || typeof e.param === 'string')) return '{error} envelope with wrong field types';
  }
  void status;
  return undefined;
}

export interface FuzzOptions {
  seed: number;
  /** Requests to send in all (spread round-robin over the operations, each request's content random). */
  count: number;
  /** Stop early after this long. */
  timeMs: number;
  concurrency?: number;
  /** Requests sent before the RSS baseline is taken. */
  warmup?: number;
  /** Refresh the ids a request may name (objects of this key), called now and then. */
  ids?: () => Promise<string[]>;
}

export async function fuzz(url: string, cred: Credentials, opts: FuzzOptions): Promise<FuzzStats> {
  const doc = await (await fetch(`${url}/openapi.json`)).json();
  const refs = (name: string) => doc.components?.schemas?.[name];
  const ops = operationsOf(doc);
  const gen = new Gen(prng(opts.seed), refs);
  const stats: FuzzStats = { requests: 0, perFamily: {}, perOperation: new Map(), statuses: {}, failures: [], ms: 0, rssWarmMiB: 0, rssEndMiB: 0, rssSamplesMiB: [] };
  const start = Date.now();
  const warmup = opts.warmup ?? Math.min(1000, Math.floor(opts.count / 5));
  let next = 0;
  const one = async (i: number) => {
    const op = ops[i % ops.length]!;
    const req = await makeRequest(gen, op, cred);
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), 15_000);
    let status = 0;
    let text = '';
    let contentType: string | null = null;
    try {
      const res = await fetch(`${url}${req.path}`, { method: req.method, headers: req.headers, body: req.body as BodyInit | undefined, signal: ctl.signal, redirect: 'manual' });
      status = res.status;
      contentType = res.headers.get('content-type');
      if (contentType?.startsWith('text/event-stream') || contentType?.startsWith('video/') || contentType?.startsWith('image/') || contentType?.startsWith('application/zip')) await res.body?.cancel();
      else text = await res.text();
    } catch (e) {
      stats.failures.push({ request: req.describe, status: 0, body: String((e as Error).cause ?? e), why: 'no answer (connection dropped or over 15 s)' });
      return;
    } finally {
      clearTimeout(timer);
    }
    stats.requests++;
    stats.perFamily[op.family] = (stats.perFamily[op.family] ?? 0) + 1;
    const opName = `${op.method} ${op.path}`;
    stats.perOperation.set(opName, (stats.perOperation.get(opName) ?? 0) + 1);
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
    let why: string | undefined;
    if (status >= 500) why = `answered ${status}`;
    else if (status >= 400 && req.method !== 'HEAD') why = checkEnvelope(op, status, text, contentType);
    else if (!req.headers.authorization && status < 300 && !OPEN.has(opName)) why = `answered ${status} without a key`;
    if (why) stats.failures.push({ request: req.describe, status, body: text.slice(0, 500), why });
  };
  const refresh = async () => {
    if (opts.ids) cred.ids = await opts.ids();
  };
  await refresh();
  const worker = async () => {
    while (next < opts.count && Date.now() - start < opts.timeMs) {
      const i = next++;
      if (i === warmup) {
        collect();
        stats.rssWarmMiB = process.memoryUsage().rss / 2 ** 20;
      }
      if (i > 0 && i % 1000 === 0) {
        await refresh();
        // RSS after a full collection, every 1000 requests: garbage left to pile up between collections is
        // not growth (the collector runs when it likes; pages it frees are not always handed back at once).
        collect();
        const m = process.memoryUsage();
        stats.rssSamplesMiB.push(m.rss / 2 ** 20);
        if (process.env.KINEO_FUZZ_TRACE) console.log(`${i}: rss ${(m.rss / 2 ** 20).toFixed(0)} heap ${(m.heapUsed / 2 ** 20).toFixed(0)} external ${(m.external / 2 ** 20).toFixed(0)}`);
      }
      await one(i);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  collect();
  stats.rssEndMiB = process.memoryUsage().rss / 2 ** 20;
  if (!stats.rssWarmMiB) stats.rssWarmMiB = stats.rssEndMiB;
  stats.ms = Date.now() - start;
  return stats;
}
