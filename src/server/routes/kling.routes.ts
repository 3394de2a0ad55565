/** Kling wire format: /v1/videos/{text2video,image2video,effects} with the {code, message, request_id, data} envelope. */
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { errors } from '../../core/errors.js';
import { checkImageField } from '../formats/images.js';
import {
  KlingEffectsBody, KlingImage2VideoBody, KlingListQuery, KlingTaskSchema, KlingText2VideoBody,
  klingEffects, klingEnvelope, klingImage2Video, klingText2Video,
} from '../formats/kling.js';
import type { TaskRow } from '../../core/repositories/tasks.repository.js';
import type { NewTask } from '../services/tasks.service.js';
import { klingTask } from '../../core/views/kling.js';
import { idempotencyKeyOf, type ZApp } from './types.js';

const config = { dialect: 'kling' as const };
const tags = ['Kling'];
const CAPABILITIES = ['text2video', 'image2video', 'effects'] as const;

export function registerKlingRoutes(app: ZApp, ctx: AppContext): void {
  const ok = <T>(req: FastifyRequest, data: T) => ({ code: 0, message: 'SUCCEED', request_id: req.id, data });
  const view = async (t: TaskRow) => klingTask(t, t.status === 'succeeded' ? await ctx.files.forTask(t.id) : [], ctx.files);
  const create = async (req: FastifyRequest, task: NewTask, body: unknown) => {
    const { task: row } = await ctx.tasks.create(req.key.id, task, { idempotencyKey: idempotencyKeyOf(req.headers), fingerprint: body });
    return ok(req, await view(row));
  };
  const images = async (values: (string | undefined)[], param: string) => {
    for (const v of values) if (v !== undefined) await checkImageField(v, param, ctx.config.security.maxUploadBytes, ctx.guard);
  };
  const one = klingEnvelope(KlingTaskSchema);

  app.post('/v1/videos/text2video', { config, schema: { tags, summary: 'Text to video', body: KlingText2VideoBody, response: { 200: one } } },
    async (req) => create(req, klingText2Video(req.body), req.body));
  app.post('/v1/videos/image2video', { config, schema: { tags, summary: 'Image to video (not available with kineo-mini yet: answers 400 after checking the image)', body: KlingImage2VideoBody, response: { 200: one } } },
    async (req) => {
      await images([req.body.image, req.body.image_tail], 'image');
      return create(req, klingImage2Video(req.body), req.body);
    });
  app.post('/v1/videos/effects', { config, schema: { tags, summary: 'Effects (a template applied to a subject)', body: KlingEffectsBody, response: { 200: one } } },
    async (req) => {
      await images([req.body.input.image, ...(req.body.input.images ?? [])], 'input.image');
      return create(req, klingEffects(req.body, ctx.effects.catalog), req.body);
    });

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
