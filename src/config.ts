/**
 * The server's configuration in one typed place: defaults ← JSON file ($KINEO_CONFIG or --config) ← environment
 * (KINEO_*) ← command-line flags, validated with zod at start and printed with secrets masked.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { ProviderInstanceSchema, type LegacySection, type ProviderKind } from './core/providers/kind.js';
import { providerInstances } from './core/providers/instances.js';
import { providerKinds } from './core/providers/registry.js';

export { ConfigError };

const HOUR = 3_600_000;

/** The kinds with a top-level section of their own from before `providers` existed (typed from the registry). */
type Kinds = typeof providerKinds;
type LegacyName = { [K in keyof Kinds]: NonNullable<Kinds[K]['legacy']> extends LegacySection ? K : never }[keyof Kinds];
type LegacySchemas = { [K in LegacyName]: z.ZodPrefault<NonNullable<Kinds[K]['legacy']>['schema']> };
const legacyKinds = Object.entries(providerKinds as Record<string, ProviderKind>)
  .flatMap(([name, k]) => (k.legacy ? [{ name, kind: k, legacy: k.legacy }] : []));
const legacySections = Object.fromEntries(legacyKinds.map(({ name, legacy }) => [name, legacy.schema.prefault({})])) as LegacySchemas;
/** A count per legacy provider section (workers, workerConcurrency), each defaulting to its kind's. */
function legacyCountShape(dflt: (k: ProviderKind) => number, max: number) {
  return Object.fromEntries(legacyKinds.map(({ name, kind }) => [name, z.number().int().min(0).max(max).default(dflt(kind))])) as Record<LegacyName, z.ZodDefault<z.ZodNumber>>;
}

export const ConfigSchema = z.strictObject({
  /** Listen address; 127.0.0.1 by default so nothing is exposed until asked. */
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** SQLite database, content-addressed files and the server key live here. */
  dataDir: z.string().min(1).default('./data'),
  /** Base URL put into links (Kling video urls, webhook payloads); default http://host:port. */
  publicUrl: z.url().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * The provider instances (docs/providers.md): each a name (its queue and the `provider` of its tasks), a kind
   * from src/core/providers/registry.ts and that kind's options; the first serves requests that name no model.
   * Absent: the instances of the legacy per-kind sections (`builtin`, `oracle`, … with `workers` and
   * `workerConcurrency`), which keep older config files and KINEO_* variables working.
   */
  providers: z.array(ProviderInstanceSchema).optional(),
  ...legacySections,
  /** In-process workers per legacy provider section (0 turns its workers off: tasks wait in the queue). */
  workers: z.strictObject(legacyCountShape((k) => k.defaults.workers, 64)).prefault({}),
  queue: z.strictObject({
    /** Tasks waiting in the queue, all keys together, before creates answer 429. */
    maxQueued: z.number().int().min(1).default(10_000),
    /** Unfinished (queued or running) tasks one key may have before its creates answer 429. */
    perKeyActive: z.number().int().min(1).default(16),
    leaseMs: z.number().int().min(100).default(30_000),
    renewMs: z.number().int().min(50).default(10_000),
    /** How often idle workers look for work and expired leases (they are also woken on every create). */
    pollMs: z.number().int().min(10).default(1_000),
    /** Attempts (leases taken) before a task fails for good. */
    maxAttempts: z.number().int().min(1).max(100).default(3),
  }).prefault({}),
  credits: z.strictObject({
    /** Credits one clip costs (reserved on submit, captured on success, released on failure). */
    pricePerClip: z.number().int().min(0).default(1),
    /** Credits a new key starts with. */
    initial: z.number().int().min(0).default(100),
  }).prefault({}),
  /**
   * Model names clients send that this server runs under another name: `{ "kling-v2-1": "kineo-mini",
   * "sora-2-pro": "big" }`. Kling's and OpenAI's documented names not listed here go to the default model, so a
   * client written from their docs works unchanged; any other unknown name is a 400 listing the models.
   */
  modelAliases: z.record(z.string().min(1).max(200), z.string().min(1)).default({}),
  /** Pictures and clips people give (first/last frames, product images, videos to extend). */
  inputs: z.strictObject({
    /** width × height of a picture, read from its header before decoding. (Bytes: security.maxUploadBytes.) */
    maxImagePixels: z.number().int().min(1).default(40_000_000),
    /** The longest video an extension may make (the clip to extend plus the added seconds). */
    maxVideoSeconds: z.number().int().min(1).max(3600).default(60),
    /** How long fetching an image URL may take. */
    fetchTimeoutMs: z.number().int().min(100).default(15_000),
    /** The most sampling steps a task may ask for: each step costs about as long as the first, so 1000 would hold a worker for minutes. */
    maxSteps: z.number().int().min(1).max(1000).default(100),
  }).prefault({}),
  output: z.strictObject({
    /** The clip is scaled (Lanczos) to this many pixels across in the video and poster. */
    size: z.number().int().min(16).max(4096).default(256),
  }).prefault({}),
  files: z.strictObject({
    /** Lifetime of the signed download links put into responses. */
    urlTtlS: z.number().int().min(60).default(30 * 24 * 3600),
  }).prefault({}),
  webhooks: z.strictObject({
    /** Retry n waits min(backoffBaseMs · 2^(n-1), backoffMaxMs); the defaults retry for ~29 h. */
    backoffBaseMs: z.number().int().min(1).default(5_000),
    backoffMaxMs: z.number().int().min(1).default(6 * HOUR),
    maxAttempts: z.number().int().min(1).max(100).default(17),
    timeoutMs: z.number().int().min(100).default(10_000),
    pollMs: z.number().int().min(10).default(1_000),
  }).prefault({}),
  security: z.strictObject({
    /** Allow callback/webhook/image URLs that resolve to loopback, private or link-local addresses. */
    allowPrivateUrls: z.boolean().default(false),
    maxPromptChars: z.number().int().min(1).default(2_500),
    maxUploadBytes: z.number().int().min(1024).default(10 * 1024 * 1024),
    /** Clock skew tolerated on JWT exp/nbf, in seconds. */
    jwtClockToleranceS: z.number().int().min(0).max(300).default(5),
  }).prefault({}),
  /**
   * Who may use the studio. 'auto': a loopback-only server signs its local user in automatically, any other
   * address needs accounts; 'local' / 'accounts' force one. The first account is the admin.
   */
  auth: z.strictObject({
    mode: z.enum(['auto', 'local', 'accounts']).default('auto'),
    /** Anyone may sign up (after the first account, which is always allowed). */
    signup: z.boolean().default(true),
    sessionDays: z.number().int().min(1).max(365).default(30),
    /** Sign-ins and sign-ups one client address may make a minute (each costs a bcrypt run); more: 429. */
    attemptsPerMinute: z.number().int().min(1).max(100_000).default(20),
    /** Wrong passwords an account takes in 15 minutes before its sign-ins wait (429 with Retry-After). */
    failuresPerAccount: z.number().int().min(1).max(100_000).default(10),
  }).prefault({}),
  effects: z.strictObject({
    /** Draw the effect gallery's missing previews in the background at start (one task at a time). */
    prerender: z.boolean().default(true),
  }).prefault({}),
  /**
   * The arena's contestants: provider/model/settings combinations shown blind in pairs. `model` is a model name
   * this server runs (absent: the default model); `steps` overrides the model's default step count. Absent: what
   * each provider brings (its model; the engine also at 4 steps).
   */
  arena: z.strictObject({
    contestants: z.array(z.strictObject({
      id: z.string().regex(/^[\w.-]{1,64}$/),
      name: z.string().min(1).max(100),
      model: z.string().min(1).optional(),
      steps: z.number().int().min(1).max(100).optional(),
    })).optional(),
    /** Bootstrap rounds of the leaderboard's intervals. */
    bootstrapRounds: z.number().int().min(10).max(10_000).default(200),
  }).prefault({}),
  /**
   * Which engines hold the state (DESIGN.md §8). Embedded (the default): SQLite, the SQLite lease-table queue and
   * local files, all under dataDir. Scale-out: PostgreSQL, BullMQ on Redis and S3-compatible storage, with
   * `kineo worker` processes running the jobs (the server then runs no model code).
   */
  backends: z.strictObject({
    db: z.enum(['sqlite', 'postgres']).default('sqlite'),
    queue: z.enum(['sqlite', 'bullmq']).default('sqlite'),
    storage: z.enum(['local', 's3']).default('local'),
  }).prefault({}),
  postgres: z.strictObject({
    url: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/kineo'),
    poolSize: z.number().int().min(1).max(200).default(10),
    /** Create the database named in the URL when it does not exist (needs the right to CREATE DATABASE). */
    createDatabase: z.boolean().default(true),
  }).prefault({}),
  redis: z.strictObject({
    url: z.string().min(1).default('redis://127.0.0.1:6379'),
    /** Prefix of every BullMQ key: several installations can share one Redis. */
    prefix: z.string().regex(/^[\w.:-]{1,64}$/).default('kineo'),
  }).prefault({}),
  s3: z.strictObject({
    /** Endpoint of an S3-compatible server (MinIO, Ceph, s3rver…); absent: AWS S3 of `region`. */
    endpoint: z.url().optional(),
    region: z.string().min(1).default('us-east-1'),
    bucket: z.string().min(3).max(63).default('kineo'),
    prefix: z.string().max(200).default('blobs/'),
    /** Absent: the AWS SDK's usual chain (AWS_ACCESS_KEY_ID…, profiles, instance roles). */
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    forcePathStyle: z.boolean().default(true),
    createBucket: z.boolean().default(false),
  }).prefault({}),
  /**
   * Jobs per kind of work that one `kineo worker` process runs at once (scale-out). 0 leaves a kind to other
   * workers. A worker refuses to start when it is asked to serve a kind it has no handler for.
   */
  workerConcurrency: z.strictObject({
    ...legacyCountShape((k) => k.defaults.concurrency, 256),
    webhook: z.number().int().min(0).max(256).default(8),
    /** Ad-batch zips (ffmpeg). */
    batch: z.number().int().min(0).max(16).default(1),
    /** Storyboard films (ffmpeg). */
    encode: z.number().int().min(0).max(16).default(1),
  }).prefault({}),
  /**
   * The server key (32 bytes, base64) that seals key secrets and signs links; every server and worker of one
   * installation needs the same one. Absent: <dataDir>/server.key, made on first start.
   */
  serverKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64 (44 characters ending in =)').optional(),
  /** Seconds graceful shutdown waits for running work before re-queuing it. */
  shutdownGraceS: z.number().min(0).max(3600).default(10),
});

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

type Json = Record<string, unknown>;

function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
      ? deepMerge(prev as Json, v as Json)
      : v;
  }
  return out;
}

const int = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ConfigError(`${name} must be a whole number, got "${value}"`);
  return n;
};
const bool = (name: string, value: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
};

/** The KINEO_* variables that map onto config fields. */
function fromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  const set = (path: string[], value: unknown) => {
    let o = out;
    for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Json;
    o[path.at(-1)!] = value;
  };
  const table: [string, string[], 'str' | 'int' | 'bool'][] = [
    ['KINEO_HOST', ['host'], 'str'],
    ['KINEO_PORT', ['port'], 'int'],
    ['KINEO_DATA_DIR', ['dataDir'], 'str'],
    ['KINEO_PUBLIC_URL', ['publicUrl'], 'str'],
    ['KINEO_LOG_LEVEL', ['logLevel'], 'str'],
    ...legacyKinds.flatMap(({ name, legacy }): [string, string[], 'str' | 'int' | 'bool'][] => [
      ...legacy.env.map(([variable, field, type]): [string, string[], 'str' | 'int' | 'bool'] => [variable, [name, field], type]),
      ...(legacy.workersEnv ? [[legacy.workersEnv, ['workers', name], 'int'] as [string, string[], 'int']] : []),
    ]),
    ['KINEO_PRICE_PER_CLIP', ['credits', 'pricePerClip'], 'int'],
    ['KINEO_INITIAL_CREDITS', ['credits', 'initial'], 'int'],
    ['KINEO_ALLOW_PRIVATE_URLS', ['security', 'allowPrivateUrls'], 'bool'],
    ['KINEO_AUTH_MODE', ['auth', 'mode'], 'str'],
    ['KINEO_SIGNUP', ['auth', 'signup'], 'bool'],
    ['KINEO_DB', ['backends', 'db'], 'str'],
    ['KINEO_QUEUE', ['backends', 'queue'], 'str'],
    ['KINEO_STORAGE', ['backends', 'storage'], 'str'],
    ['KINEO_DATABASE_URL', ['postgres', 'url'], 'str'],
    ['KINEO_REDIS_URL', ['redis', 'url'], 'str'],
    ['KINEO_REDIS_PREFIX', ['redis', 'prefix'], 'str'],
    ['KINEO_S3_ENDPOINT', ['s3', 'endpoint'], 'str'],
    ['KINEO_S3_REGION', ['s3', 'region'], 'str'],
    ['KINEO_S3_BUCKET', ['s3', 'bucket'], 'str'],
    ['KINEO_S3_ACCESS_KEY_ID', ['s3', 'accessKeyId'], 'str'],
    ['KINEO_S3_SECRET_ACCESS_KEY', ['s3', 'secretAccessKey'], 'str'],
    ['KINEO_SERVER_KEY', ['serverKey'], 'str'],
  ];
  for (const [name, path, kind] of table) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    set(path, kind === 'int' ? int(name, v) : kind === 'bool' ? bool(name, v) : v);
  }
  return out;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** JSON config file; default $KINEO_CONFIG when set. */
  file?: string;
  /** Highest precedence (command-line flags, tests). */
  overrides?: ConfigInput;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.KINEO_CONFIG;
  let fromFile: Json = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Json;
    } catch (err) {
      throw new ConfigError(`cannot read the config file ${file}: ${(err as Error).message}`);
    }
  }
  const merged = deepMerge(deepMerge(fromFile, fromEnv(env)), (options.overrides ?? {}) as Json);
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
    throw new ConfigError(`invalid configuration at ${at || '(root)'}: ${issue.message}`);
  }
  const config = { ...parsed.data, dataDir: resolve(parsed.data.dataDir) };
  providerInstances(config); // each provider entry against its kind's options: a bad one stops the start here
  return config;
}

/** The config as printed at start: credentials in URLs, the S3 secret and the server key masked. */
export function maskedConfig(config: Config): Config {
  const mask = (url?: string) => url?.replace(/\/\/[^@/]+@/, '//***@');
  return {
    ...config,
    publicUrl: mask(config.publicUrl),
    postgres: { ...config.postgres, url: mask(config.postgres.url)! },
    redis: { ...config.redis, url: mask(config.redis.url)! },
    s3: { ...config.s3, secretAccessKey: config.s3.secretAccessKey && '***' },
    serverKey: config.serverKey && '***',
    // A provider's credentials (an API key, a secret) are masked whatever its kind calls them.
    providers: config.providers?.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, /key|secret|token|password/i.test(k) && typeof v === 'string' && !/env$/i.test(k) ? '***' : v])) as typeof p),
  };
}

export function publicBaseUrl(config: Config, port: number): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
