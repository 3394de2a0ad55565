/** The studio's account routes: the session (automatic on a loopback-only server), sign-up/in/out, API keys, the prompt check. */
import { z } from 'zod';
import { plainText } from '../formats/text.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError, errors } from '../../core/errors.js';
import { isLoopback, SESSION_COOKIE, type NewSession, type SessionUser } from '../services/accounts.service.js';
import { IdParams } from '../formats/native.js';
import type { ZApp } from './types.js';
import { viewerOf } from './viewer.js';

const config = { dialect: 'native' as const };
const open = { ...config, auth: false };
const Credentials = z.strictObject({ username: z.string().max(64), password: z.string().max(200) });
const KeyCreateBody = z.strictObject({ name: plainText(z.string().min(1).max(100)) });
const PromptCheckBody = z.strictObject({ prompt: plainText(z.string().max(100_000)), negative_prompt: plainText(z.string().max(100_000)).optional() });

const sessionView = (ctx: AppContext, u: SessionUser) => ({
  user: { id: u.id, username: u.username, is_admin: u.isAdmin, access_key: u.key.id },
  csrf_token: u.csrf,
  mode: ctx.accounts.mode,
});

function hostOf(req: FastifyRequest): string {
  const host = req.headers.host ?? '';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

/** Forms from other sites cannot send JSON without a preflight: account routes take JSON only. */
function requireJson(req: FastifyRequest): void {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw errors.unsupportedMedia('send application/json');
}

export function registerStudioRoutes(app: ZApp, ctx: AppContext): void {
  const setCookie = (req: FastifyRequest, reply: FastifyReply, s: NewSession) => {
    const secure = req.protocol === 'https' || (ctx.config.publicUrl?.startsWith('https:') ?? false);
    reply.setCookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: s.maxAgeS });
  };

  app.get('/api/session', { config: open, schema: { tags: ['Studio'], summary: 'The signed-in user and the CSRF token (a loopback-only server signs its local user in here)' } }, async (req, reply) => {
    const user = await ctx.accounts.session(req.cookies[SESSION_COOKIE]);
    if (user) return sessionView(ctx, user);
    // The automatic sign-in only answers pages that address the server by a loopback name (no DNS rebinding).
    if (ctx.accounts.mode === 'local' && isLoopback(hostOf(req))) {
      const s = await ctx.accounts.localSession();
      setCookie(req, reply, s);
      return sessionView(ctx, s.user);
    }
    return { user: null, csrf_token: null, mode: ctx.accounts.mode };
  });

  app.post('/api/auth/signup', { config: open, schema: { tags: ['Studio'], summary: 'Create an account (the first one is the admin) and sign in', body: Credentials } }, async (req, reply) => {
    requireJson(req);
    const s = await ctx.accounts.signUp(req.body.username, req.body.password, req.ip);
    setCookie(req, reply, s);
    reply.code(201);
    return sessionView(ctx, s.user);
  });

  app.post('/api/auth/signin', { config: open, schema: { tags: ['Studio'], summary: 'Sign in with a username and a password', body: Credentials } }, async (req, reply) => {
    requireJson(req);
    const s = await ctx.accounts.signIn(req.body.username, req.body.password, req.ip);
    setCookie(req, reply, s);
    return sessionView(ctx, s.user);
  });

  app.post('/api/auth/signout', { config, schema: { tags: ['Studio'], summary: 'End this browser session' } }, async (req, reply) => {
    await ctx.accounts.signOut(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signed_out: true };
  });

  app.get('/api/keys', { config, schema: { tags: ['Studio'], summary: 'The API keys of the signed-in user' } }, async (req) => {
    const viewer = await viewerOf(ctx, req);
    const rows = await ctx.keys.listForUser(viewer.id);
    return {
      data: rows.map((k) => ({ access_key: k.id, name: k.name, balance: k.balance, created_at: k.created_at, revoked_at: k.revoked_at, studio: k.id === viewer.studioKeyId })),
    };
  });

  app.post('/api/keys', { config, schema: { tags: ['Studio'], summary: 'Create an API key (the secret is shown once)', body: KeyCreateBody } }, async (req, reply) => {
    const viewer = await viewerOf(ctx, req);
    reply.code(201);
    return ctx.keys.create(req.body.name, ctx.config.credits.initial, viewer.id);
  });

  app.delete('/api/keys/:id', { config, schema: { tags: ['Studio'], summary: 'Revoke an API key', params: IdParams } }, async (req) => {
    const viewer = await viewerOf(ctx, req);
    if (req.params.id === viewer.studioKeyId) throw new ApiError(409, 'studio_key', 'the studio key runs this user\'s browser tasks; it cannot be revoked here', 1201);
    if (!(await ctx.keys.revokeForUser(viewer.id, req.params.id))) throw errors.notFound(`key ${req.params.id}`);
    return { access_key: req.params.id, revoked: true };
  });

  app.post('/api/prompt/check', { config, schema: { tags: ['Studio'], summary: 'How the model reads a prompt (English or Chinese): the concepts understood, the phrases it cannot use, the caption it encodes, and the price', body: PromptCheckBody } }, async (req) =>
    ctx.prompts.check(req.body.prompt, req.body.negative_prompt));
}
