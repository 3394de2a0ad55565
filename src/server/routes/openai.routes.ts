/** OpenAI videos format: /v1/videos (HTTP only; the logic is in the services). */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { errors } from '../../core/errors.js';
import { createHash } from 'node:crypto';
import { OpenAIContentQuery, OpenAICreateBody, OpenAIExtendBody, OpenAIListQuery, OpenAIRemixBody, OpenAIVideoSchema, VideoIdParams, openaiExtendTask, openaiNewTask } from '../formats/openai.js';
import { openaiVideo } from '../views/openai.js';
import { idempotencyKeyOf, type ZApp } from './types.js';

const config = { dialect: 'openai' as const };

/** An uploaded file in an idempotency fingerprint: its sha256 (another file under the same key is another request). */
const fileFingerprint = <T>(v: T | Buffer) => (Buffer.isBuffer(v) ? `sha256:${createHash('sha256').update(v).digest('hex')}` : v);
const tags = ['OpenAI videos'];

export function registerOpenAIRoutes(app: ZApp, ctx: AppContext): void {
  const ttl = ctx.config.files.urlTtlS;
  const view = (t: Parameters<typeof openaiVideo>[0]) => openaiVideo(t, ttl);

  app.post('/v1/videos', {
    config, schema: { tags, summary: 'Create a video (JSON, or multipart/form-data with input_reference)', body: OpenAICreateBody, response: { 200: OpenAIVideoSchema } },
  }, async (req) => {
    const body = req.body;
    const fingerprint = { ...body, input_reference: fileFingerprint(body.input_reference) };
    const { task } = await ctx.tasks.create(req.key.id, openaiNewTask(body), { idempotencyKey: idempotencyKeyOf(req.headers), fingerprint });
    return view(task);
  });

  app.post('/v1/videos/extensions', {
    config, schema: { tags, summary: 'Extend a completed video ({id}) or an uploaded MP4: the result is the video followed by `seconds` more', body: OpenAIExtendBody, response: { 200: OpenAIVideoSchema } },
  }, async (req) => {
    const fingerprint = { extend: true, ...req.body, video: fileFingerprint(req.body.video) };
    const { task } = await ctx.tasks.create(req.key.id, openaiExtendTask(req.body), { idempotencyKey: idempotencyKeyOf(req.headers), fingerprint });
    return view(task);
  });

  app.get('/v1/videos', {
    config, schema: { tags, summary: 'List videos', querystring: OpenAIListQuery, response: { 200: z.object({ object: z.literal('list'), data: z.array(OpenAIVideoSchema), has_more: z.boolean(), first_id: z.string().nullable(), last_id: z.string().nullable() }) } },
  }, async (req) => {
    const { tasks, hasMore } = await ctx.tasks.list(req.key.id, req.query);
    const data = tasks.map(view);
    return { object: 'list' as const, data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  });

  app.get('/v1/videos/:id', { config, schema: { tags, summary: 'Get a video', params: VideoIdParams, response: { 200: OpenAIVideoSchema } } }, async (req) => view(await ctx.tasks.get(req.key.id, req.params.id)));

  app.delete('/v1/videos/:id', {
    config, schema: { tags, summary: 'Delete a video and its files (cancelling it if it still runs)', params: VideoIdParams, response: { 200: z.object({ id: z.string(), object: z.literal('video.deleted'), deleted: z.boolean() }) } },
  }, async (req) => {
    const task = await ctx.tasks.delete(req.key.id, req.params.id, ctx.abortRunning);
    return { id: task.id, object: 'video.deleted' as const, deleted: true };
  });

  app.get('/v1/videos/:id/content', {
    config, schema: { tags, summary: 'Download the video, its thumbnail (PNG) or its spritesheet (PNG)', params: VideoIdParams, querystring: OpenAIContentQuery },
  }, async (req, reply) => {
    const task = await ctx.tasks.get(req.key.id, req.params.id);
    if (task.status !== 'succeeded') throw errors.conflict('video_not_completed', `video ${task.id} is ${task.status}; its content exists once it has completed`);
    const kind = req.query.variant === 'thumbnail' ? 'poster' : req.query.variant;
    const file = (await ctx.files.forTask(task.id)).find((f) => f.kind === kind);
    if (!file) throw errors.notFound(`the ${req.query.variant} of video ${task.id}`);
    return reply.type(file.content_type).header('content-length', String(file.bytes)).send(await ctx.files.stream(file));
  });

  app.post('/v1/videos/:id/remix', {
    config, schema: { tags, summary: 'Remix a completed video with a new prompt', params: VideoIdParams, body: OpenAIRemixBody, response: { 200: OpenAIVideoSchema } },
  }, async (req) => {
    const { task } = await ctx.tasks.remix(req.key.id, req.params.id, req.body.prompt, { idempotencyKey: idempotencyKeyOf(req.headers), scope: 'openai', fingerprint: { remix: req.params.id, ...req.body } });
    return view(task);
  });
}
