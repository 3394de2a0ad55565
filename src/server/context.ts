/** What routes may use: services only (never repositories or the database). */
import type { Config } from '../config.js';
import type { AuthKey, KeysService } from './services/keys.service.js';
import type { AuthService } from './services/auth.service.js';
import type { TasksService } from './services/tasks.service.js';
import type { FilesService } from '../core/services/files.service.js';
import type { WebhooksService } from '../core/services/webhooks.service.js';
import type { ProgressBus } from '../core/services/progress-bus.js';
import type { Providers } from '../core/providers/catalog.js';
import type { Metrics } from '../core/metrics.js';
import type { Dialect } from '../core/errors.js';
import type { UrlGuard } from '../core/services/url-guard.js';
import type { AccountsService, SessionUser } from './services/accounts.service.js';
import type { CommunityService } from './services/community.service.js';
import type { PromptsService } from './services/prompts.service.js';
import type { EffectsService } from './services/effects.service.js';
import type { ArenaService } from './services/arena.service.js';
import type { BatchesService } from './services/batches.service.js';
import type { StoryboardsService } from './services/storyboards.service.js';
import type { TaskGroupsService } from './services/task-groups.service.js';

export interface AppContext {
  config: Config;
  keys: KeysService;
  auth: AuthService;
  tasks: TasksService;
  files: FilesService;
  webhooks: WebhooksService;
  bus: ProgressBus;
  providers: Providers;
  metrics: Metrics;
  guard: UrlGuard;
  accounts: AccountsService;
  community: CommunityService;
  prompts: PromptsService;
  /** The effect template catalog and its previews. */
  effects: EffectsService;
  /** Blind pairs, votes and the leaderboard. */
  arena: ArenaService;
  /** Ad batches: fan-out into child tasks, combined progress, the zip. */
  batches: BatchesService;
  /** Storyboards: shots as child tasks → one film with a title card and transitions. */
  storyboards: StoryboardsService;
  /** Which ad batch or storyboard listed tasks belong to, with those groups' summaries. */
  taskGroups: TaskGroupsService;
  /** A remote provider called back about a task: checks the callback's token, and wakes the task's poll wherever it
   * runs (false: the token is not this server's for that task). */
  providerCallback: (taskId: string, token: string) => boolean;
  /** Stops a task running in this process at its next step. */
  abortRunning: (taskId: string) => void;
  /** Null when ready, else why not (readyz). */
  notReady: () => string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    key: AuthKey;
    /** The studio user of a session cookie (null for Bearer-key requests). */
    user: SessionUser | null;
    /** True while @fastify/multipart's preValidation hook parses the body (app.ts: busboy's errors have no status). */
    parsingMultipart: boolean;
  }
  interface FastifyContextConfig {
    /** Which wire format's error body this route answers with. */
    dialect?: Dialect;
    /** false: the route needs no key (health, metrics, docs, signed file links). */
    auth?: boolean;
  }
}
