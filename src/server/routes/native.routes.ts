/** The native API (/api) for the studio: tasks with every parameter, SSE progress, cancel, files, credits, webhooks. */
import type { AppContext } from '../context.js';
import { DeliveriesQuery, IdParams, LimitQuery, NativeCreateBody, NativeListQuery, SignedFileQuery, WebhookCreateBody, nativeNewTask } from '../formats/native.js';
import type { TaskRow } from '../../core/repositories/tasks.repository.js';
import { isTerminal } from '../../core/repositories/tasks.repository.js';
import { snapshotOf } from '../../core/tasks/task-lifecycle.js';
import type { ProgressSnapshot } from '../../core/services/progress-bus.js';
import { durationOf } from '../services/tasks.service.js';
import { pricePerSecond } from '../../core/providers/pricing.js';
import { nativeFile, nativeTask, type NativeTaskList } from '../views/native.js';
import { idempotencyKeyOf, type ZApp } from './types.js';
import { viewerOf } from './viewer.js';

const config = { dialect: 'native' as const };

export function registerNativeRoutes(app: ZApp, ctx: AppContext): void {
  const view = async (t: TaskRow) => nativeTask(t, t.status === 'succeeded' ? await ctx.files.forTask(t.id) : [], ctx.files);

  app.post('/api/tasks', { config, schema: { tags: ['Native'], summary: 'Create a task with every generation parameter', body: NativeCreateBody } }, async (req, reply) => {
    if (req.body.remixed_from) {
      const viewer = await viewerOf(ctx, req).catch(() => null);
      await ctx.community.checkRemixSource(viewer, req.body.remixed_from);
    }
    const { task, replayed } = await ctx.tasks.create(req.key.id, nativeNewTask(req.body), { idempotencyKey: idempotencyKeyOf(req.headers), fingerprint: req.body });
    reply.code(replayed ? 200 : 201);
    return view(task);
  });

  app.get('/api/tasks', { config, schema: { tags: ['Native'], summary: 'List tasks; an ad batch\'s or a storyboard\'s child names it (`group`), and `groups` summarises each named once', querystring: NativeListQuery } }, async (req): Promise<NativeTaskList> => {
    const { tasks, hasMore } = await ctx.tasks.list(req.key.id, req.query);
    const [views, { of, groups }] = await Promise.all([Promise.all(tasks.map(view)), ctx.taskGroups.of(req.key.id, tasks.map((t) => t.id))]);
    const data = views.map((v) => ({ ...v, group: of.get(v.id) ?? null }));
    return { data, has_more: hasMore, last_id: data.at(-1)?.id ?? null, groups };
  });

  app.get('/api/tasks/:id', { config, schema: { tags: ['Native'], summary: 'Get a task', params: IdParams } }, async (req) => view(await ctx.tasks.get(req.key.id, req.params.id)));

  app.post('/api/tasks/:id/cancel', { config, schema: { tags: ['Native'], summary: 'Cancel a task (a running one stops at its next step)', params: IdParams } }, async (req) =>
    view(await ctx.tasks.cancel(req.key.id, req.params.id, ctx.abortRunning)));

  app.delete('/api/tasks/:id', { config, schema: { tags: ['Native'], summary: 'Delete a task and its files', params: IdParams } }, async (req) => {
    const task = await ctx.tasks.delete(req.key.id, req.params.id, ctx.abortRunning);
    return { id: task.id, deleted: true };
  });

  app.get('/api/tasks/:id/events', {
    config, schema: { tags: ['Native'], summary: 'Progress as Server-Sent Events: complete snapshots (≤ 5 per second) with a preview PNG; ends when the task finishes', params: IdParams },
  }, async (req, reply) => {
    const task = await ctx.tasks.get(req.key.id, req.params.id);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': req.id });
    let last = 0;
    let pending: ProgressSnapshot | undefined;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const write = (s: ProgressSnapshot) => {
      if (closed) return;
      last = Date.now();
      const done = isTerminal(s.status as TaskRow['status']);
      res.write(`event: ${done ? 'done' : 'progress'}\ndata: ${JSON.stringify({ ...s, sent_at: last })}\n\n`);
      if (done) close();
    };
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      offShutdown();
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
      res.end();
    };
    const unsubscribe = ctx.bus.subscribe(task.id, (s) => {
      const wait = 200 - (Date.now() - last);
      if (isTerminal(s.status as TaskRow['status']) || wait <= 0) {
        if (timer) clearTimeout(timer);
        timer = undefined;
        return write(s);
      }
      pending = s;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending) write(pending);
      }, wait);
    });
    const offShutdown = ctx.bus.onShutdown(close);
    const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), 15_000);
    req.raw.on('close', close);
    // The current state first (a late subscriber still gets the last preview), then live snapshots.
    const fresh = await ctx.tasks.get(req.key.id, task.id).catch(() => task);
    write(ctx.bus.latest(task.id) && !isTerminal(fresh.status) ? ctx.bus.latest(task.id)! : snapshotOf(fresh, null));
  });

  app.get('/api/files', { config, schema: { tags: ['Native'], summary: 'List files', querystring: LimitQuery } }, async (req) =>
    ({ data: (await ctx.files.list(req.key.id, req.query.limit)).map((f) => nativeFile(f, ctx.files)) }));
  app.get('/api/files/:id', { config, schema: { tags: ['Native'], summary: 'File metadata', params: IdParams } }, async (req) =>
    nativeFile(await ctx.files.get(req.key.id, req.params.id), ctx.files));
  app.get('/api/files/:id/content', { config, schema: { tags: ['Native'], summary: 'File bytes', params: IdParams } }, async (req, reply) => {
    const file = await ctx.files.get(req.key.id, req.params.id);
    return reply.type(file.content_type).header('content-length', String(file.bytes)).send(await ctx.files.stream(file));
  });
  app.get('/files/:id', { config: { ...config, auth: false }, schema: { tags: ['Native'], summary: 'File bytes through a signed link (the url fields of responses)', params: IdParams, querystring: SignedFileQuery } }, async (req, reply) => {
    const file = await ctx.files.bySignedLink(req.params.id, req.query.exp, req.query.sig);
    // On S3 the bytes come straight from object storage (a presigned link); locally the server streams them.
    const direct = await ctx.files.directUrl(file);
    if (direct) return reply.redirect(direct, 302);
    return reply.type(file.content_type).header('content-length', String(file.bytes)).header('cache-control', 'private, max-age=3600').send(await ctx.files.stream(file));
  });

  app.get('/api/balance', { config, schema: { tags: ['Native'], summary: 'Credits: balance, reserved, price per clip, concurrency slots' } }, async (req) => ctx.tasks.balance(req.key.id));
  app.get('/api/ledger', { config, schema: { tags: ['Native'], summary: 'The credits ledger (newest first)', querystring: LimitQuery } }, async (req) => ({ data: await ctx.tasks.ledger(req.key.id, req.query.limit) }));
  app.get('/api/me', { config, schema: { tags: ['Native'], summary: 'This key: access key, name, the secret that signs its Kling callbacks' } }, async (req) => ({
    access_key: req.key.id, name: req.key.name, webhook_secret: await ctx.keys.webhookSecretOf(req.key.id),
  }));
  app.get('/api/models', { config, schema: { tags: ['Native'], summary: 'The models this server runs, with what a task of default settings takes now (run and queue wait)' } }, async () => ({
    data: await Promise.all(ctx.providers.all().map(async (p) => ({ ...p.shape(), id: p.model, provider: p.name, seconds: durationOf(p), image_to_video: p.capabilities.image, default: p.model === ctx.providers.defaultModel,
      capabilities: p.capabilities, price_per_clip: ctx.providers.priceOf(p),
      // null: one price per clip whatever its length; else credits per second of video (rounded up per clip)
      price_per_second: pricePerSecond(ctx.providers.priceOf(p), p),
      max_video_seconds: ctx.config.inputs.maxVideoSeconds,
      // the studio's time estimate: scaled by steps ÷ default_steps and seconds ÷ the default length
      default_steps: p.defaultSteps ?? null, max_steps: ctx.config.inputs.maxSteps,
      ...(await ctx.tasks.timing(p)),
    }))),
  }));

  app.post('/api/webhooks', { config, schema: { tags: ['Webhooks'], summary: 'Register an endpoint for video.completed / video.failed (returns its signing secret once)', body: WebhookCreateBody } }, async (req, reply) => {
    reply.code(201);
    return ctx.webhooks.createEndpoint(req.key.id, req.body.url, req.body.events);
  });
  app.get('/api/webhooks', { config, schema: { tags: ['Webhooks'], summary: 'List endpoints' } }, async (req) => ({ data: await ctx.webhooks.listEndpoints(req.key.id) }));
  app.delete('/api/webhooks/:id', { config, schema: { tags: ['Webhooks'], summary: 'Remove an endpoint', params: IdParams } }, async (req) => {
    await ctx.webhooks.deleteEndpoint(req.key.id, req.params.id);
    return { id: req.params.id, deleted: true };
  });
  app.get('/api/webhooks/deliveries', { config, schema: { tags: ['Webhooks'], summary: 'Deliveries (callbacks and endpoint events), newest first', querystring: DeliveriesQuery } }, async (req) =>
    ({ data: await ctx.webhooks.deliveries(req.key.id, { taskId: req.query.task_id, limit: req.query.limit }) }));
  app.get('/api/webhooks/deliveries/:id', { config, schema: { tags: ['Webhooks'], summary: 'One delivery with every attempt', params: IdParams } }, async (req) =>
    ctx.webhooks.delivery(req.key.id, req.params.id));
}

