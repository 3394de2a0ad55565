/** OpenAI videos format: /v1/videos (HTTP only; the logic is in the services). */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { errors } from '../../core/errors.js';
import { checkImageField, sniffImage } from '../formats/images.js';
import { OpenAIContentQuery, OpenAICreateBody, OpenAIListQuery, OpenAIRemixBody, OpenAIVideoSchema, VideoIdParams, openaiNewTask } from '../formats/openai.js';
import { openaiVideo } from '../views/openai.js';
import { idempotencyKeyOf, type ZApp } from './types.js';

const config = { dialect: 'openai' as const };
const tags = ['OpenAI videos'];

export function registerOpenAIRoutes(app: ZApp, ctx: AppContext): void {
  const ttl = ctx.config.files.urlTtlS;
  const view = (t: Parameters<typeof openaiVideo>[0]) => openaiVideo(t, ttl);

  app.post('/v1/videos', {
    config, schema: { tags, summary: 'Create a video (JSON, or multipart/form-data with input_reference)', body: OpenAICreateBody, response: { 200: OpenAIVideoSchema } },
  }, async (req) => {
    const body = req.body;
    if (Buffer.isBuffer(body.input_reference)) sniffImage(body.input_reference, 'input_reference');
    const url = typeof body.input_reference === 'object' && !Buffer.isBuffer(body.input_reference) ? body.input_reference.image_url : body['input_reference[image_url]'];
    if (url) await checkImageField(url, 'input_reference.image_url', ctx.config.security.maxUploadBytes, ctx.guard);
    const fingerprint = { ...body, input_reference: Buffer.isBuffer(body.input_reference) ? `sha:${body.input_reference.length}` : body.input_reference };
    const { task } = await ctx.tasks.create(req.key.id, openaiNewTask(body), { idempotencyKey: idempotencyKeyOf(req.headers), fingerprint });
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
    const { task } = await ctx.tasks.remix(req.key.id, req.params.id, req.body.prompt, { idempotencyKey: idempotencyKeyOf(req.headers), fingerprint: { remix: req.params.id, ...req.body } });
    return view(task);
  });
}
