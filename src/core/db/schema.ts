/** The tables, as Kysely sees them. Times are Unix milliseconds; JSON columns hold text. */
import type { Generated } from 'kysely';

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type Capability = 'text2video' | 'image2video' | 'effects' | 'video-extend';
export type WireFormat = 'openai' | 'kling' | 'native';

export interface KeysTable {
  /** The access key (Kling JWT `iss`); public. */
  id: string;
  name: string;
  /** sha256 of the secret key: how a Bearer secret finds its key. */
  secret_sha256: string;
  /** The secret key, AES-256-GCM encrypted with the server key (needed to verify Kling HS256 JWTs). */
  secret_enc: string;
  /** Standard Webhooks signing secret (whsec_…) for Kling callbacks, encrypted like the secret. */
  webhook_secret_enc: string;
  /** Credits available (the ledger's running sum, kept in the same transaction as each entry). */
  balance: number;
  /** Unfinished tasks (queued + running): the per-key concurrency slots in use. */
  active: number;
  created_at: number;
  revoked_at: number | null;
  /** The user who owns the key (null: made with the CLI, owned by nobody). */
  user_id: Generated<string | null>;
}

export interface TasksTable {
  id: string;
  key_id: string;
  api: WireFormat;
  capability: Capability;
  provider: string;
  model: string;
  prompt: string;
  negative_prompt: string | null;
  /** The generation parameters (seed, steps, guidance, shift, scheduler, size, seconds, …) as JSON. */
  params: string;
  external_task_id: string | null;
  callback_url: string | null;
  remixed_from: string | null;
  status: TaskStatus;
  progress: number;
  /** The latest progress snapshot (step, of, phase, elapsed_ms) as JSON. */
  snapshot: string | null;
  error_code: string | null;
  error_message: string | null;
  price: number;
  attempts: number;
  cancel_requested: number;
  /** What the provider reported (unknown words, timings, model version) as JSON. */
  meta: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
  deleted_at: number | null;
}

/** The queue: one row per task that a worker should run; a worker leases it while it works. */
export interface QueueTable {
  task_id: string;
  provider: string;
  available_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  attempts: number;
}

export interface BlobsTable {
  sha256: string;
  bytes: number;
  content_type: string;
  created_at: number;
}

export interface FilesTable {
  id: string;
  key_id: string;
  task_id: string | null;
  /** video | poster | spritesheet | upload */
  kind: string;
  sha256: string;
  content_type: string;
  bytes: number;
  created_at: number;
}

export interface LedgerTable {
  id: Generated<number>;
  key_id: string;
  task_id: string | null;
  /** grant | reserve | capture | release */
  kind: string;
  /** Change of the available balance (reserve < 0, release > 0, capture 0). */
  amount: number;
  created_at: number;
}

export interface IdempotencyTable {
  key_id: string;
  idempotency_key: string;
  request_sha256: string;
  task_id: string;
  created_at: number;
}

export interface WebhookEndpointsTable {
  id: string;
  key_id: string;
  url: string;
  secret_enc: string;
  /** JSON array of event types. */
  events: string;
  created_at: number;
  deleted_at: number | null;
}

export interface WebhookDeliveriesTable {
  /** The Standard Webhooks message id (webhook-id), stable across retries. */
  id: string;
  key_id: string;
  endpoint_id: string | null;
  task_id: string | null;
  url: string;
  event: string;
  payload: string;
  /** pending | succeeded | failed */
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export interface Database {
  keys: KeysTable;
  tasks: TasksTable;
  queue: QueueTable;
  blobs: BlobsTable;
  files: FilesTable;
  ledger: LedgerTable;
  idempotency: IdempotencyTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  users: UsersTable;
  sessions: SessionsTable;
  publications: PublicationsTable;
  likes: LikesTable;
  reports: ReportsTable;
  arena_pairs: ArenaPairsTable;
  arena_state: ArenaStateTable;
  batches: BatchesTable;
  batch_variants: BatchVariantsTable;
  storyboards: StoryboardsTable;
  storyboard_shots: StoryboardShotsTable;
  provider_run_times: ProviderRunTimesTable;
}

/** A moving average of each provider's job run time (ms), written when a job succeeds. */
export interface ProviderRunTimesTable {
  provider: string;
  avg_ms: number;
  samples: number;
  updated_at: number;
}

export interface UsersTable {
  id: string;
  username: string;
  /** bcrypt hash; null for the automatic local user of a loopback-only server (no password sign-in). */
  password_hash: string | null;
  is_admin: number;
  /** The key the studio's tasks run under (created with the user). */
  studio_key_id: string;
  created_at: number;
}

/** Browser sessions: the cookie's sha256 and the CSRF token the page sends back on every change. */
export interface SessionsTable {
  token_sha256: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

/** A task its owner shared with the community, with its counters. */
export interface PublicationsTable {
  task_id: string;
  user_id: string;
  published_at: number;
  /** 1: hidden by an admin (after reports). */
  hidden: number;
  views: number;
  likes: number;
  reports: number;
}

export interface LikesTable {
  task_id: string;
  user_id: string;
  created_at: number;
}

export interface ReportsTable {
  task_id: string;
  user_id: string;
  reason: string;
  created_at: number;
}

/** A blind pair the arena served to one user: two tasks of two contestants on one caption, and that user's vote. */
export interface ArenaPairsTable {
  id: string;
  user_id: string;
  caption: string;
  left_contestant: string;
  right_contestant: string;
  left_task_id: string;
  right_task_id: string;
  /** left | right | tie | both_bad; null until the user votes. */
  vote: string | null;
  created_at: number;
  voted_at: number | null;
}

/** The arena's own settings (the key its tasks run under). */
export interface ArenaStateTable {
  name: string;
  value: string;
}

/** An ad batch: a product (a subject), captions, templates × aspect ratios × seeds, fanned out into child tasks. */
export interface BatchesTable {
  id: string;
  key_id: string;
  name: string;
  /** The product as a phrase the model knows ("a red apple"). */
  subject: string;
  /** JSON array of strings. */
  selling_points: string;
  /** JSON array of effect template ids. */
  templates: string;
  /** JSON array of "9:16" | "1:1" | "16:9". */
  aspect_ratios: string;
  count: number;
  /** burned | subtitles */
  captions: string;
  provider: string;
  model: string;
  /** Generation settings of every child (steps, base seed) as JSON. */
  settings: string;
  /** queued | running | assembling | succeeded | partially_failed | failed | cancelled */
  status: string;
  price_per_clip: number;
  /** Extra child tasks a variant may get after retryable failures. */
  max_retries: number;
  cancel_requested: number;
  /** Variants rendered into the zip so far (assembly progress). */
  assembled: number;
  zip_file_id: string | null;
  error_code: string | null;
  error_message: string | null;
  idempotency_key: string | null;
  request_sha256: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

/** One variant of a batch and its current child task (a retry points it at a new task). */
export interface BatchVariantsTable {
  batch_id: string;
  idx: number;
  template: string;
  aspect_ratio: string;
  seed: number;
  caption: string;
  prompt: string;
  task_id: string;
  /** Child tasks made for this variant so far (1 + retries). */
  attempts: number;
  /** active (its task is unfinished or not yet looked at) | succeeded | failed | cancelled */
  status: string;
  error_code: string | null;
  error_message: string | null;
}

export type StoryboardStatus = 'queued' | 'running' | 'assembling' | 'succeeded' | 'failed' | 'cancelled';

/** A storyboard: one subject in a list of shots (each a child task) → one film with transitions and a title card. */
export interface StoryboardsTable {
  id: string;
  key_id: string;
  title: string;
  subject: string;
  model: string;
  /** What was asked and planned (shots with durations, cameras, transitions; seed, size, fps, frame counts) as JSON. */
  spec: string;
  status: StoryboardStatus;
  /** Credits reserved for all its clips together. */
  price: number;
  error_code: string | null;
  error_message: string | null;
  /** The film once made (frames, seconds, timings) as JSON. */
  meta: string | null;
  /** Who assembles the film now, and until when (a lease, like the queue's). */
  assembly_owner: string | null;
  assembly_expires_at: number | null;
  assembly_attempts: number;
  idempotency_key: string | null;
  request_sha256: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

/** One shot of a storyboard and its child task. */
export interface StoryboardShotsTable {
  storyboard_id: string;
  idx: number;
  task_id: string;
  /** The caption the shot's task was given: subject + prompt + camera phrase. */
  caption: string;
}
