/**
 * The HTTP app as a Fastify instance, separate from the process (server.ts) so that tests can run it on an
 * ephemeral port. Cross-cutting concerns are registered once here: zod validation and serialization, request ids,
 * auth as an onRequest hook, one error handler that turns every error into the caller's wire format, one
 * not-found handler, metrics. Routes are registered explicitly.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import { createJsonSchemaTransform, createJsonSchemaTransformObject, hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import { ApiError, errorBody, errors, toApiError, type Dialect } from '../core/errors.js';
import { answerClientError, dialectOfUrl, frameworkApiError } from './framework-errors.js';
import { registerOpenAIRoutes } from './routes/openai.routes.js';
import { registerKlingRoutes } from './routes/kling.routes.js';
import { registerNativeRoutes } from './routes/native.routes.js';
import { registerSystemRoutes } from './routes/system.routes.js';
import { registerStudioRoutes } from './routes/studio.routes.js';
import { registerCommunityRoutes } from './routes/community.routes.js';
import { registerEffectsRoutes } from './routes/effects.routes.js';
import { registerArenaRoutes } from './routes/arena.routes.js';
import { registerBatchesRoutes } from './routes/batches.routes.js';
import { registerStoryboardRoutes } from './routes/storyboards.routes.js';
import { registerCallbackRoutes } from './routes/callbacks.routes.js';
import { SESSION_COOKIE } from './services/accounts.service.js';
import { nulAt } from './formats/text.js';
import { isStudioPage, registerStudio, sendStudioIndex } from './web.js';

export function dialectOf(req: FastifyRequest): Dialect {
  return req.routeOptions?.config?.dialect ?? dialectOfUrl(req.url);
}

/** One error answer: the caller's wire format, Retry-After when there is one, 5xx logged and never shown. */
function sendError(req: FastifyRequest, reply: FastifyReply, apiError: ApiError, dialect: Dialect, err?: unknown): void {
  if (apiError.status >= 500) req.log.error({ err }, 'request failed');
  if (apiError.retryAfterS !== undefined) reply.header('retry-after', String(apiError.retryAfterS));
  void reply.code(apiError.status).type('application/json').send(JSON.stringify(errorBody(apiError, dialect, req.id)));
}

function validationMessage(err: { validation: { instancePath: string; message?: string; keyword: string; params?: Record<string, unknown> }[]; validationContext?: string }): { message: string; param: string } {
  const issue = err.validation[0]!;
  const where = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const keys = issue.keyword === 'unrecognized_keys' ? (issue.params?.keys as string[] | undefined) : undefined;
  if (keys?.length) {
    const at = where ? ` in ${where}` : '';
    return { message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}${at}; remove ${keys.length > 1 ? 'them' : 'it'} (see /openapi.json)`, param: where ? `${where}.${keys[0]}` : keys[0]! };
  }
  const context = err.validationContext === 'querystring' ? 'query parameter ' : err.validationContext === 'params' ? 'path parameter ' : '';
  return { message: `${context}${where || err.validationContext || 'body'}: ${issue.message ?? 'is not valid'}`, param: where };
}

export async function buildApp(ctx: AppContext, logger: Logger): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // two pictures in base64 (Kling image + image_tail) and the rest of the body
    bodyLimit: Math.ceil(config.security.maxUploadBytes * 1.4) * 2 + 65_536,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Ids are up to 300 characters in every schema: longer ones must reach the schema (a 400 naming the field)
    // rather than stop in the router.
    routerOptions: { maxParamLength: 512 },
    // Errors raised while routing (no route, so no route config yet) and before a request exists at all.
    frameworkErrors: (err, req, reply) => sendError(req, reply, frameworkApiError(err), dialectOfUrl(req.raw.url ?? '/'), err),
    clientErrorHandler: answerClientError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('key');
  app.decorateRequest('user', null);
  app.decorateRequest('parsingMultipart', false);
  app.removeContentTypeParser('text/plain'); // JSON (and multipart where a file is allowed) only: anything else is 415

  await app.register(cookie);
  // @fastify/multipart parses the body in its own preValidation hook, and busboy's errors (multipart/form-data with
  // no boundary, a body cut short, a malformed part) carry no status. The request is marked while that hook runs
  // (hooks run in the order they are added), so the error handler can answer them 400 invalid_multipart.
  app.addHook('preValidation', async (req) => {
    req.parsingMultipart = true;
  });
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    // a field may carry a picture as a base64 data: URL (input_reference[image_url])
    limits: { fileSize: config.security.maxUploadBytes, files: 1, fields: 20, fieldSize: Math.ceil(config.security.maxUploadBytes * 1.4) + 1024, parts: 25 },
  });
  app.addHook('preValidation', async (req) => {
    req.parsingMultipart = false;
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Kineo API', version: '1', description: 'Text-to-video: the Kling wire format, the OpenAI videos format and the native API. See docs/api.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The secret key (sk_…), or a JWT signed HS256 with it whose iss is the access key (Kling)' } } },
      security: [{ bearer: [] }],
    },
    transform: createJsonSchemaTransform({ zodToJsonConfig: { unrepresentable: 'any' } as never }),
    transformObject: createJsonSchemaTransformObject({ zodToJsonConfig: { unrepresentable: 'any' } as never }),
  });

  app.addHook('onRequest', async (req, reply) => {
    // Oversized or not-JSON uploads of strings that happen to be requested ids are common: a sane request id only.
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && !/^[\w.:-]{1,128}$/.test(given)) req.id = randomUUID();
    reply.header('x-request-id', req.id);
    if (req.routeOptions.config?.auth === false || !req.routeOptions.url) return;
    // A Bearer key (API clients) or the studio's session cookie; a cookie is never enough to change anything
    // without the session's CSRF token in x-csrf-token (and the cookie is SameSite=Strict besides).
    const session = req.headers.authorization ? undefined : req.cookies[SESSION_COOKIE];
    if (session) {
      const user = await ctx.accounts.session(session);
      if (!user) throw errors.authFailed('the session has expired; sign in again');
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.headers['x-csrf-token'] !== user.csrf) {
        throw new ApiError(403, 'csrf_failed', 'send the session\'s CSRF token (GET /api/session) in x-csrf-token', 1000);
      }
      req.user = user;
      req.key = user.key;
      return;
    }
    req.key = await ctx.auth.authenticate(req.headers.authorization);
  });
  // After validation (whose messages name a text field's control characters first): a NUL anywhere else — an id
  // in the path, a query value, an id or URL in the body — is refused before any query sees it.
  app.addHook('preHandler', async (req) => {
    for (const [where, value] of [['params', req.params], ['query', req.query], ['body', req.body]] as const) {
      const field = nulAt(value);
      if (field) throw errors.invalid(`${field} (in the ${where}) holds a NUL character, which no id, URL or value here contains; remove it`, field);
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    ctx.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, req, reply) => {
    let apiError: ApiError;
    if (hasZodFastifySchemaValidationErrors(err)) {
      const { message, param } = validationMessage(err as never);
      apiError = errors.invalid(message, param);
    } else if (req.parsingMultipart && !(err instanceof ApiError) && typeof (err as { statusCode?: unknown }).statusCode !== 'number') {
      apiError = errors.badMultipart((err as Error).message);
    } else {
      apiError = toApiError(err);
    }
    sendError(req, reply, apiError, dialectOf(req), err);
  });
  app.setNotFoundHandler((req, reply) => {
    if (isStudioPage(req)) return sendStudioIndex(reply);
    const e = errors.routeNotFound(req.method, req.url);
    void reply.code(404).type('application/json').send(JSON.stringify(errorBody(e, dialectOf(req), req.id)));
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  registerSystemRoutes(typed, ctx);
  registerKlingRoutes(typed, ctx);
  registerOpenAIRoutes(typed, ctx);
  registerNativeRoutes(typed, ctx);
  registerStudioRoutes(typed, ctx);
  registerCommunityRoutes(typed, ctx);
  registerEffectsRoutes(typed, ctx);
  registerArenaRoutes(typed, ctx);
  registerBatchesRoutes(typed, ctx);
  registerStoryboardRoutes(typed, ctx);
  registerCallbackRoutes(typed, ctx);
  await registerStudio(typed);
  return app;
}

export type App = FastifyInstance;
