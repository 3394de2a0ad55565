/** The community: feed, one video with its remix chain, publish/unpublish, like/unlike, views, report, hide. */
import { z } from 'zod';
import { plainText } from '../formats/text.js';
import type { AppContext } from '../context.js';
import { IdParams } from '../formats/native.js';
import type { ZApp } from './types.js';
import type { MyVideos } from '../views/studio.js';
import { viewerOf } from './viewer.js';

const config = { dialect: 'native' as const };
const FeedQuery = z.strictObject({
  sort: z.enum(['newest', 'popular']).default('newest'),
  limit: z.coerce.number().int().min(1).max(60).default(12),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
const ReportBody = z.strictObject({ reason: plainText(z.string().min(1).max(500)) });
const HideBody = z.strictObject({ hidden: z.boolean() });

export function registerCommunityRoutes(app: ZApp, ctx: AppContext): void {
  const tags = ['Community'];
  app.get('/api/feed', { config, schema: { tags, summary: 'Published videos, newest or popular first (offset paging)', querystring: FeedQuery } }, async (req) =>
    ctx.community.feed(await viewerOf(ctx, req), req.query.sort, req.query.limit, req.query.offset));
  app.get('/api/my/videos', { config, schema: { tags, summary: 'The signed-in user\'s finished videos (studio key); an ad batch\'s or a storyboard\'s names it (`group`), summarised once in `groups`' } }, async (req): Promise<MyVideos> => {
    const viewer = await viewerOf(ctx, req);
    const videos = await ctx.community.mine(viewer, viewer.studioKeyId, 100);
    const { of, groups } = await ctx.taskGroups.of(viewer.studioKeyId, videos.map((v) => v.id));
    return { data: videos.map((v) => ({ ...v, group: of.get(v.id) ?? null })), groups };
  });
  app.get('/api/videos/:id', { config, schema: { tags, summary: 'A video: parameters, counters, parent and published remixes', params: IdParams } }, async (req) =>
    ctx.community.video(req.params.id, await viewerOf(ctx, req)));
  app.post('/api/videos/:id/publish', { config, schema: { tags, summary: 'Publish a finished video of yours', params: IdParams } }, async (req) =>
    ctx.community.publish(await viewerOf(ctx, req), req.params.id));
  app.post('/api/videos/:id/unpublish', { config, schema: { tags, summary: 'Take a video of yours out of the feed', params: IdParams } }, async (req) =>
    ctx.community.unpublish(await viewerOf(ctx, req), req.params.id));
  app.post('/api/videos/:id/like', { config, schema: { tags, summary: 'Like (once per user)', params: IdParams } }, async (req) =>
    ctx.community.like(await viewerOf(ctx, req), req.params.id, true));
  app.delete('/api/videos/:id/like', { config, schema: { tags, summary: 'Unlike', params: IdParams } }, async (req) =>
    ctx.community.like(await viewerOf(ctx, req), req.params.id, false));
  app.post('/api/videos/:id/view', { config, schema: { tags, summary: 'Count a view (the owner\'s own views do not count)', params: IdParams } }, async (req) =>
    ctx.community.view(await viewerOf(ctx, req), req.params.id));
  app.post('/api/videos/:id/report', { config, schema: { tags, summary: 'Report a video to the admins', params: IdParams, body: ReportBody } }, async (req) =>
    ctx.community.report(await viewerOf(ctx, req), req.params.id, req.body.reason));
  app.post('/api/videos/:id/hide', { config, schema: { tags, summary: 'Hide or show a published video (admins)', params: IdParams, body: HideBody } }, async (req) =>
    ctx.community.hide(await viewerOf(ctx, req), req.params.id, req.body.hidden));
}
