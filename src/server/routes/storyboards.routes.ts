/** Storyboards (/api/storyboards): create, estimate, read, list, cancel. The film downloads through its file's url. */
import type { AppContext } from '../context.js';
import { IdParams } from '../formats/native.js';
import { StoryboardCreateBody, StoryboardListQuery } from '../formats/storyboards.js';
import { idempotencyKeyOf, type ZApp } from './types.js';

const config = { dialect: 'native' as const };
const tags = ['Storyboards'];

export function registerStoryboardRoutes(app: ZApp, ctx: AppContext): void {
  app.post('/api/storyboards', {
    config, schema: { tags, summary: 'Create a storyboard: one subject, a list of shots (each a clip, charged like a task) → one film with a title card and transitions', body: StoryboardCreateBody },
  }, async (req, reply) => {
    const { storyboard, replayed } = await ctx.storyboards.create(req.key.id, req.body, idempotencyKeyOf(req.headers));
    reply.code(replayed ? 200 : 201);
    return storyboard;
  });

  app.post('/api/storyboards/estimate', {
    config, schema: { tags, summary: 'What a storyboard would cost and make (price, film length, each shot\'s caption and unknown words); creates nothing', body: StoryboardCreateBody },
  }, async (req) => ctx.storyboards.estimate(req.key.id, req.body));

  app.get('/api/storyboards', { config, schema: { tags, summary: 'List storyboards (newest first)', querystring: StoryboardListQuery } }, async (req) =>
    ctx.storyboards.list(req.key.id, req.query));

  app.get('/api/storyboards/:id', { config, schema: { tags, summary: 'A storyboard: status, progress per shot, the film when done', params: IdParams } }, async (req) =>
    ctx.storyboards.get(req.key.id, req.params.id));

  app.post('/api/storyboards/:id/cancel', { config, schema: { tags, summary: 'Cancel a storyboard (its unfinished shots are cancelled and refunded)', params: IdParams } }, async (req) =>
    ctx.storyboards.cancel(req.key.id, req.params.id));
}
