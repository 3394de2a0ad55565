/** The effect template catalog (src/server/effects/catalog.json) and the gallery previews. */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { ZApp } from './types.js';

const open = { dialect: 'native' as const, auth: false };
const TemplateParams = z.strictObject({ id: z.string().max(100) });

export function registerEffectsRoutes(app: ZApp, ctx: AppContext): void {
  app.get('/api/effects', { config: open, schema: { tags: ['Effects'], summary: 'The effect templates, each with a preview GIF' } }, async () => ({
    version: ctx.effects.catalog.version,
    data: ctx.effects.catalog.templates.map((t) => ({
      id: t.id, name: t.name, description: t.description, effect: t.effect, prompt_fragment: t.prompt_fragment,
      aliases: t.aliases ?? [], params: t.params ?? {},
      preview_url: `/api/effects/${encodeURIComponent(t.id)}/preview.gif`,
      // false while the server is still drawing it (at start, or after a model change): the GIF then takes a while
      preview_ready: ctx.effects.ready(t.id),
    })),
  }));

  app.get('/api/effects/:id/preview.gif', { config: open, schema: { tags: ['Effects'], summary: 'A template\'s preview (made once by the built-in model as a task, then cached)', params: TemplateParams } }, async (req, reply) => {
    const gif = await ctx.effects.preview(req.params.id);
    return reply.type('image/gif').header('cache-control', 'public, max-age=3600').send(gif);
  });
}
