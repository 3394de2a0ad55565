/**
 * Ad batches as clients see them: estimate, create (fan-out into child tasks), the combined progress document,
 * list, cancel, the zip. The batch runner (batch-runner.ts) drives them afterwards: settles variants, retries what is
 * retryable, and assembles the zip (batch-assembly.ts).
 */
import { createHash, randomInt } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../core/db/database.js';
import type { AspectRatio } from '../../media/aspect.js';
import { adCaption } from '../../media/captions.js';
import { ApiError, errors } from '../../core/errors.js';
import { findTemplate, type EffectCatalog, type EffectTemplate } from '../effects/catalog.js';
import { newId } from '../../core/ids.js';
import type { Metrics } from '../../core/metrics.js';
import { ACTIVE_BATCH, batchesRepository, type BatchRow, type BatchStatus } from '../../core/repositories/batches.repository.js';
import { filesRepository } from '../../core/repositories/files.repository.js';
import { keysRepository } from '../../core/repositories/keys.repository.js';
import type { BatchRequest } from '../formats/batches.js';
import { batchSummary, batchView, type BatchEstimate, type BatchSummary, type BatchView } from '../views/batches.js';
import type { Provider } from '../../core/providers/provider.js';
import { enqueueTasks } from '../../core/tasks/task-row.js';
import { idempotencyFingerprint, lostRaceOn, SlotsTaken, type RetryAfter } from '../../core/tasks/admission.js';
import { insertVariantInputs, variantTaskRow } from './batch-variant.js';
import type { FilesService } from '../../core/services/files.service.js';
import type { PromptsService } from './prompts.service.js';
import { normalisePrompt, WORLD_SUMMARY } from '../../world/normalise.js';
import type { Providers } from '../../core/providers/catalog.js';
import type { TaskLifecycle } from '../../core/tasks/task-lifecycle.js';
import { durationOf, type TasksService } from './tasks.service.js';
import type { InputsService } from './inputs.service.js';

export interface PlannedVariant {
  idx: number;
  template: EffectTemplate;
  aspect: AspectRatio;
  seed: number;
  caption: string;
  prompt: string;
}

export interface BatchPlan {
  provider: Provider;
  subject: string;
  templates: EffectTemplate[];
  aspects: AspectRatio[];
  variants: PlannedVariant[];
  price: number;
  unknownWords: string[];
  seconds: string;
}


export class BatchesService {
  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly providers: Providers,
    private readonly catalog: EffectCatalog,
    private readonly prompts: PromptsService,
    private readonly lifecycle: TaskLifecycle,
    private readonly tasks: TasksService,
    private readonly files: FilesService,
    private readonly metrics: Metrics,
    private readonly retryAfter: RetryAfter,
    private readonly wake: { workers: (provider: string) => void; runner: () => void; abortAssembly: (batchId: string) => void },
    private readonly inputs: InputsService,
  ) {}

  /** Checks a request and lays out its variants: templates × aspect ratios first, then the next seed round. */
  plan(b: BatchRequest): BatchPlan {
    const provider = this.providers.forModel(b.model, 'model');
    if (!provider.capabilities.effects) throw errors.unsupported(`${provider.model} does not apply effect templates; choose another model`, 'model');
    if (b.product.image !== undefined && !provider.capabilities.image) {
      throw errors.unsupported(`${provider.model} is text-to-video only: it cannot animate a product image. Describe the product as a subject the model knows instead, e.g. "product": {"subject": "a red apple"}, or choose a model that takes pictures`, 'product.image');
    }
    const subject = (b.product.subject ?? '').trim().replace(/[.!,;]+$/, '');
    if (!subject && b.product.image === undefined) throw errors.invalid('product.subject or product.image is required: the product as a phrase the model knows (e.g. "a red apple") or its picture', 'product.subject');
    // A model that draws only its world's objects must know the product, or every variant would animate something
    // else: refused before payment, like an unusable prompt on Create (a product image stands in for the words).
    if (subject && b.product.image === undefined && provider.readsWorldPrompts && !normalisePrompt(subject).concepts.object) {
      throw errors.promptUnusable(`${provider.model} cannot draw "${subject}": it draws ${WORLD_SUMMARY}. Describe the product as one of its objects (e.g. "a red apple"), or send product.image`, 'product.subject');
    }
    const templates: EffectTemplate[] = [];
    for (const name of b.templates) {
      const t = findTemplate(this.catalog, name);
      if (!t) throw errors.invalid(`templates: "${name}" is not an effect template; choose from ${this.catalog.templates.map((x) => x.id).join(', ')} (GET /api/effects)`, 'templates');
      if (!templates.includes(t)) templates.push(t);
    }
    const aspects = [...new Set(b.aspect_ratios)];
    const points = b.selling_points;
    const base = b.seed ?? randomInt(0, 2 ** 31 - 1);
    const combos = templates.length * aspects.length;
    const variants: PlannedVariant[] = [];
    for (let i = 0; i < b.count; i++) {
      const combo = i % combos;
      const round = Math.floor(i / combos);
      const template = templates[Math.floor(combo / aspects.length)]!;
      const prompt = subject ? `${subject} ${template.prompt_fragment}` : template.prompt_fragment;
      if (prompt.length > this.config.security.maxPromptChars) throw errors.invalid(`product.subject is too long (the prompt may have ${this.config.security.maxPromptChars} characters)`, 'product.subject');
      variants.push({ idx: i, template, aspect: aspects[combo % aspects.length]!, seed: (base + i) % 2 ** 31, caption: adCaption(b.name, points, i, round), prompt });
    }
    return {
      provider, subject, templates, aspects, variants, price: this.providers.priceOf(provider),
      unknownWords: this.prompts.check(subject).unknown_words, seconds: durationOf(provider),
    };
  }

  async estimate(keyId: string, b: BatchRequest): Promise<BatchEstimate> {
    const p = this.plan(b);
    const key = await keysRepository.byId(this.db, keyId);
    if (!key) throw errors.authInvalid();
    const total = p.variants.length * p.price;
    return {
      count: p.variants.length, templates: p.templates.map((t) => t.id), aspect_ratios: p.aspects, model: p.provider.model,
      clip_seconds: p.seconds, price_per_clip: p.price, total_credits: total, balance: key.balance, affordable: key.balance >= total,
      unknown_words: p.unknownWords, sample_captions: [...new Set(p.variants.map((v) => v.caption))].slice(0, 5),
    };
  }

  /**
   * Creates a batch and all its child tasks in one transaction, or nothing (402 when the balance cannot cover every
   * variant, 429 when the key has no free slot or the queue has no room).
   *
   * Slots: a key's concurrency slots bound how much work one client keeps unfinished; a batch asks for its
   * variants in one request, so it is admitted as one submission — it needs one free slot, like a single task, and
   * then takes a slot per child in the same statement that reserves the credits of all of them. Each child frees
   * its own slot through the normal task lifecycle, so `keys.active` stays exact; while a big batch runs, the key's
   * further submissions wait (429 with Retry-After) until it drains below the limit, which is the limit doing its
   * job. Splitting the children into 16-at-a-time trickles instead would leave later variants unreserved (a
   * batch that could run out of credits half-way) for no gain in fairness on the shared FIFO queue.
   */
  async create(keyId: string, b: BatchRequest, idempotencyKey?: string): Promise<{ batch: BatchView; replayed: boolean }> {
    const sha = idempotencyFingerprint(idempotencyKey, b);
    if (idempotencyKey !== undefined) {
      const hit = await this.replay(keyId, idempotencyKey, sha);
      if (hit) return { batch: hit, replayed: true };
    }
    const p = this.plan(b);
    const n = p.variants.length;
    // The product image, checked and stored once; every variant's task references it.
    const image = b.product.image === undefined ? undefined : await this.inputs.picture({ text: b.product.image }, 'product.image');
    const nativeAspects = p.aspects.filter((a) => p.provider.capabilities.aspects.includes(a));
    const queued = this.lifecycle.queuedCount;
    if (queued + n > this.config.queue.maxQueued) throw errors.queueFull(await this.retryAfter.seconds(p.provider, queued + n));
    const now = Date.now();
    const id = newId('batch');
    const outputSize = this.config.output.size;
    const children = p.variants.map((v) => variantTaskRow({
      keyId, provider: p.provider, prompt: v.prompt, templateId: v.template.id, subject: p.subject || undefined, seed: v.seed,
      steps: b.steps, outputSize, seconds: p.seconds, price: p.price,
      aspect: nativeAspects.includes(v.aspect) ? v.aspect : undefined,
      image: image && { sha256: image.sha256, contentType: image.contentType, bytes: image.bytes },
    }, now));
    const row: BatchRow = {
      id, key_id: keyId, name: b.name, subject: p.subject, selling_points: JSON.stringify(b.selling_points),
      templates: JSON.stringify(p.templates.map((t) => t.id)), aspect_ratios: JSON.stringify(p.aspects), count: n,
      captions: b.captions, provider: p.provider.name, model: p.provider.model,
      settings: JSON.stringify({
        steps: b.steps ?? null, seed: b.seed ?? null, output_size: outputSize, seconds: p.seconds, native_aspects: nativeAspects,
        ...(image ? { image: { sha256: image.sha256, contentType: image.contentType, bytes: image.bytes } } : {}),
      }),
      status: 'queued', price_per_clip: p.price, max_retries: b.max_retries, cancel_requested: 0, assembled: 0, zip_file_id: null,
      error_code: null, error_message: null, idempotency_key: idempotencyKey ?? null, request_sha256: idempotencyKey ? sha : null,
      created_at: now, updated_at: now, completed_at: null,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        const taken = await batchesRepository.admit(trx, keyId, n, p.price, this.config.queue.perKeyActive);
        if (!taken) {
          const key = await keysRepository.byId(trx, keyId);
          if (!key) throw errors.authInvalid();
          if (key.active >= this.config.queue.perKeyActive) throw new SlotsTaken(key.active);
          throw new ApiError(402, 'insufficient_credits', `this batch costs ${n * p.price} credits (${n} clips × ${p.price}) and this key has ${key.balance}; lower count or add credits with "kineo keys credit"`, 1102);
        }
        await batchesRepository.insert(trx, row);
        await enqueueTasks(trx, children, now);
        await insertVariantInputs(trx, children, image, now);
        await batchesRepository.insertVariants(trx, p.variants.map((v, i) => ({
          batch_id: id, idx: v.idx, template: v.template.id, aspect_ratio: v.aspect, seed: v.seed, caption: v.caption, prompt: v.prompt,
          task_id: children[i]!.id, attempts: 1, status: 'active', error_code: null, error_message: null,
        })));
      });
    } catch (err) {
      if (err instanceof SlotsTaken) throw errors.keyBusy(err.active, await this.retryAfter.seconds(p.provider, err.active + n - 1));
      // Two requests with one Idempotency-Key at once: the loser answers like a replay.
      if (idempotencyKey !== undefined && lostRaceOn(err, 'batches')) {
        const hit = await this.replay(keyId, idempotencyKey, sha);
        if (hit) return { batch: hit, replayed: true };
      }
      throw err;
    }
    for (let i = 0; i < n; i++) this.lifecycle.noteCreated();
    this.metrics.tasksCreated.inc({ api: 'native', provider: p.provider.name }, n);
    this.wake.workers(p.provider.name);
    this.wake.runner();
    return { batch: await this.view(row, p.unknownWords), replayed: false };
  }

  private async replay(keyId: string, idempotencyKey: string, sha: string): Promise<BatchView | undefined> {
    const hit = await batchesRepository.byIdempotencyKey(this.db, keyId, idempotencyKey);
    if (!hit) return undefined;
    if (hit.request_sha256 !== sha) throw errors.conflict('idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new request');
    return this.view(hit);
  }

  private async own(keyId: string, id: string): Promise<BatchRow> {
    const row = await batchesRepository.get(this.db, keyId, id);
    if (!row) throw errors.notFound(`batch ${id}`);
    return row;
  }

  private async view(b: BatchRow, unknownWords = this.prompts.check(b.subject).unknown_words): Promise<BatchView> {
    const variants = await batchesRepository.variantsWithTasks(this.db, b.id);
    const zip = b.zip_file_id ? await filesRepository.byId(this.db, b.zip_file_id) : undefined;
    return batchView(b, variants, unknownWords, (fileId) => this.files.signedUrl({ id: fileId }).url, zip);
  }

  async get(keyId: string, id: string): Promise<BatchView> {
    return this.view(await this.own(keyId, id));
  }

  async list(keyId: string, limit: number, after?: string): Promise<{ data: BatchSummary[]; hasMore: boolean }> {
    let cursor: { created_at: number; id: string } | undefined;
    if (after) {
      const c = await batchesRepository.get(this.db, keyId, after);
      if (!c) throw errors.invalid(`after: no batch ${after} of this key`, 'after');
      cursor = { created_at: c.created_at, id: c.id };
    }
    const rows = await batchesRepository.page(this.db, keyId, limit + 1, cursor);
    const page = rows.slice(0, limit);
    const variants = await batchesRepository.variantsWithTasksOf(this.db, page.map((b) => b.id));
    const data = page.map((b) => batchSummary(b, variants.get(b.id)!));
    return { data, hasMore: rows.length > limit };
  }

  /** Cancels a batch: unfinished children are cancelled (their credits released), no zip is made. */
  async cancel(keyId: string, id: string, abortRunning: (taskId: string) => void): Promise<BatchView> {
    const b = await this.own(keyId, id);
    if (!ACTIVE_BATCH.includes(b.status as BatchStatus)) return this.view(b);
    const now = Date.now();
    const row = await batchesRepository.transition(this.db, id, ACTIVE_BATCH, {
      status: 'cancelled', cancel_requested: 1, updated_at: now, completed_at: now, error_code: 'cancelled', error_message: 'the batch was cancelled',
    });
    this.wake.abortAssembly(id);
    for (const v of await batchesRepository.variants(this.db, id)) {
      if (v.status === 'active') await this.tasks.cancel(keyId, v.task_id, abortRunning).catch(() => undefined);
    }
    return this.view(row ?? (await this.own(keyId, id)));
  }

  /** The zip of a finished batch (409 until there is one). */
  async zip(keyId: string, id: string) {
    const b = await this.own(keyId, id);
    if (!b.zip_file_id) throw errors.conflict('batch_not_ready', `batch ${id} is ${b.status}; the zip is made when every variant has finished`);
    return { batch: b, file: await this.files.get(keyId, b.zip_file_id) };
  }
}
