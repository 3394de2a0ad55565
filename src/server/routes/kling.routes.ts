/** Kling wire format: /v1/videos/{text2video,image2video,effects} with the {code, message, request_id, data} envelope. */
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { errors } from '../../core/errors.js';
import {
  KlingEffectsBody, KlingImage2VideoBody, KlingListQuery, KlingTaskSchema, KlingText2VideoBody, KlingVideoExtendBody,
  klingEffects, klingEnvelope, klingImage2Video, klingText2Video, klingVideoExtend,
} from '../formats/kling.js';
import type { TaskRow } from '../../core/repositories/tasks.repository.js';
import type { NewTask } from '../services/tasks.service.js';
import { klingTask } from '../../core/views/kling.js';
import { idempotencyKeyOf, type ZApp } from './types.js';

const config = { dialect: 'kling' as const };
const tags = ['Kling'];
const CAPABILITIES = ['text2video', 'image2video', 'effects', 'video-extend'] as const;

export function registerKlingRoutes(app: ZApp, ctx: AppContext): void {
  const ok = <T>(req: FastifyRequest, data: T) => ({ code: 0, message: 'SUCCEED', request_id: req.id, data });
  const view = async (t: TaskRow) => klingTask(t, t.status === 'succeeded' ? await ctx.files.forTask(t.id) : [], ctx.files);
  const create = async (req: FastifyRequest, task: NewTask, body: unknown) => {
    const { task: row } = await ctx.tasks.create(req.key.id, task, { idempotencyKey: idempotencyKeyOf(req.headers), fingerprint: body });
    return ok(req, await view(row));
  };
  const one = klingEnvelope(KlingTaskSchema);

  app.post('/v1/videos/text2video', { config, schema: { tags, summary: 'Text to video', body: KlingText2VideoBody, response: { 200: one } } },
    async (req) => create(req, klingText2Video(req.body), req.body));
  app.post('/v1/videos/image2video', { config, schema: { tags, summary: 'Image to video: a first frame (image), a last frame (image_tail) or both, as URL or base64', body: KlingImage2VideoBody, response: { 200: one } } },
    async (req) => create(req, klingImage2Video(req.body), req.body));
  app.post('/v1/videos/effects', { config, schema: { tags, summary: 'Effects (a template applied to a subject or to input.image)', body: KlingEffectsBody, response: { 200: one } } },
    async (req) => create(req, klingEffects(req.body, ctx.effects.catalog), req.body));
  app.post('/v1/videos/video-extend', { config, schema: { tags, summary: 'Extend one of your videos (video_id): the result is that video followed by more seconds', body: KlingVideoExtendBody, response: { 200: one } } },
    async (req) => create(req, klingVideoExtend(req.body), req.body));

  for (const capability of CAPABILITIES) {
    app.get(`/v1/videos/${capability}/:id`, {
      config, schema: { tags, summary: `Get a ${capability} task by task_id or external_task_id`, params: z.strictObject({ id: z.string().max(300) }), response: { 200: one } },
    }, async (req) => {
      const task = await ctx.tasks.getByIdOrExternal(req.key.id, req.params.id);
      if (task.capability !== capability) throw errors.notFound(`${capability} task ${req.params.id}`);
      return ok(req, await view(task));
    });
    app.get(`/v1/videos/${capability}`, {
      config, schema: { tags, summary: `List ${capability} tasks (newest first)`, querystring: KlingListQuery, response: { 200: klingEnvelope(z.array(KlingTaskSchema)) } },
    }, async (req) => {
      const { pageNum, pageSize } = req.query;
      const { tasks } = await ctx.tasks.list(req.key.id, { order: 'desc', limit: pageSize, offset: (pageNum - 1) * pageSize, capability });
      return ok(req, await Promise.all(tasks.map(view)));
    });
  }
}
