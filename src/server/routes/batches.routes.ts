/** Ad batches (/api/batches): estimate, create, the combined progress document, list, cancel, the zip. */
import type { AppContext } from '../context.js';
import { BatchCreateBody, BatchListQuery } from '../formats/batches.js';
import { IdParams } from '../formats/native.js';
import { idempotencyKeyOf, type ZApp } from './types.js';

const config = { dialect: 'native' as const };
const tags = ['Ad batches'];

export function registerBatchesRoutes(app: ZApp, ctx: AppContext): void {
  app.post('/api/batches/estimate', { config, schema: { tags, summary: 'What a batch would cost (count × price per clip) against this key\'s balance, with the words the model does not know', body: BatchCreateBody } }, async (req) =>
    ctx.batches.estimate(req.key.id, req.body));

  app.post('/api/batches', { config, schema: { tags, summary: 'Create an ad batch: its variants fan out into child tasks (402 up front when the balance cannot cover all of them)', body: BatchCreateBody } }, async (req, reply) => {
    const { batch, replayed } = await ctx.batches.create(req.key.id, req.body, idempotencyKeyOf(req.headers));
    reply.code(replayed ? 200 : 201);
    return batch;
  });

  app.get('/api/batches', { config, schema: { tags, summary: 'List batches (newest first) with their counts and progress', querystring: BatchListQuery } }, async (req) => {
    const { data, hasMore } = await ctx.batches.list(req.key.id, req.query.limit, req.query.after);
    return { data, has_more: hasMore, last_id: data.at(-1)?.id ?? null };
  });

  app.get('/api/batches/:id', { config, schema: { tags, summary: 'The combined progress document: status, counts, progress, every variant, the zip', params: IdParams } }, async (req) =>
    ctx.batches.get(req.key.id, req.params.id));

  app.post('/api/batches/:id/cancel', { config, schema: { tags, summary: 'Cancel a batch: unfinished variants are cancelled and refunded; no zip is made', params: IdParams } }, async (req) =>
    ctx.batches.cancel(req.key.id, req.params.id, ctx.abortRunning));

  app.get('/api/batches/:id/zip', { config, schema: { tags, summary: 'The zip (videos, manifest.csv, .srt subtitles) as an attachment; 409 until it is assembled', params: IdParams } }, async (req, reply) => {
    const { batch, file } = await ctx.batches.zip(req.key.id, req.params.id);
    const name = `${batch.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'batch'}-${batch.id.slice(-8)}.zip`;
    return reply.type('application/zip').header('content-length', String(file.bytes))
      .header('content-disposition', `attachment; filename="${name}"`).send(await ctx.files.stream(file));
  });
}
