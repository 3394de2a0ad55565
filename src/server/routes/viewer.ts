/** Who is asking, as a user: the browser session's user, or the user who owns the Bearer key. */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../../core/errors.js';
import type { Viewer } from '../services/community.service.js';

export interface RequestViewer extends Viewer {
  studioKeyId: string;
}

export async function viewerOf(ctx: AppContext, req: FastifyRequest): Promise<RequestViewer> {
  if (req.user) return { id: req.user.id, isAdmin: req.user.isAdmin, studioKeyId: req.user.key.id };
  const owner = await ctx.keys.ownerOf(req.key.id);
  const user = owner ? await ctx.accounts.userById(owner) : undefined;
  if (!user) throw new ApiError(403, 'no_user', 'this key belongs to no user; create keys on the studio\'s API keys page (or sign in) to use the community', 1000);
  return { id: user.id, isAdmin: user.is_admin === 1, studioKeyId: user.studio_key_id };
}
