/** The arena: blind pairs, one vote each, names after the vote, the Bradley–Terry leaderboard. */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { ZApp } from './types.js';
import { viewerOf } from './viewer.js';

const config = { dialect: 'native' as const };
const PairParams = z.strictObject({ id: z.string().min(1).max(100) });
const VoteBody = z.strictObject({ vote: z.enum(['left', 'right', 'tie', 'both_bad']) });
const NewPairBody = z.strictObject({}).nullish(); // no fields yet: an empty object or no body

export function registerArenaRoutes(app: ZApp, ctx: AppContext): void {
  const tags = ['Arena'];
  app.post('/api/arena/pairs', { config, schema: { tags, summary: 'Serve a blind pair: one caption, two contestants\' tasks, random left/right, no names', body: NewPairBody } }, async (req, reply) => {
    const viewer = await viewerOf(ctx, req);
    reply.code(201);
    return ctx.arena.newPair(viewer.id);
  });
  app.get('/api/arena/pairs/:id', { config, schema: { tags, summary: 'A pair served to you: both videos\' status and links (names once you voted)', params: PairParams } }, async (req) =>
    ctx.arena.pair((await viewerOf(ctx, req)).id, req.params.id));
  app.post('/api/arena/pairs/:id/vote', { config, schema: { tags, summary: 'Vote once on a pair served to you whose videos both finished; the answer reveals the names', params: PairParams, body: VoteBody } }, async (req) =>
    ctx.arena.vote((await viewerOf(ctx, req)).id, req.params.id, req.body.vote));
  app.get('/api/arena/leaderboard', { config, schema: { tags, summary: 'Contestants by Bradley–Terry rating with bootstrap 95 % intervals, rank and battles' } }, async () =>
    ctx.arena.leaderboard());
}
