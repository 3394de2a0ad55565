/**
 * Callbacks from remote providers (Kling's `callback_url`): POST /callbacks/tasks/{task id}/{token}. No key — the
 * token, an HMAC of the task id under the server key, is the credential. The call only wakes the task's poll (see
 * core/providers/callbacks.ts); what its body says is read by that poll from the remote, never from here.
 */
import { z } from 'zod';
import { errors } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import type { ZApp } from './types.js';

const config = { auth: false, dialect: 'kling' as const };

export function registerCallbackRoutes(app: ZApp, ctx: AppContext): void {
  app.post('/callbacks/tasks/:id/:token', {
    config,
    schema: {
      hide: true,
      params: z.strictObject({ id: z.string().max(100), token: z.string().max(100) }),
      // Kling's task as its callback sends it; other fields pass (the poll reads the task from the remote).
      body: z.looseObject({ task_id: z.string().max(300).optional(), task_status: z.string().max(40).optional() }),
    },
  }, async (req) => {
    // One answer for a wrong token and an unknown task: a caller learns nothing about which tasks exist.
    if (!ctx.providerCallback(req.params.id, req.params.token)) throw errors.notFound(`callback ${req.params.id}`);
    return { code: 0, message: 'SUCCEED', request_id: req.id };
  });
}
