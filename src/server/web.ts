/**
 * The studio (web/, React) as static files: web/dist is built by `npm install` (the prepare script) or, when
 * missing or older than the studio's sources (after a `git pull`), by `ensureStudioBuilt()` at `kineo serve`. `/assets/*` are immutable hashed files; every other GET that
 * asks for HTML and matches no route gets index.html (the page routes on the client).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { ZApp } from './routes/types.js';

export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
export const STUDIO_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export const studioBuilt = () => existsSync(`${STUDIO_DIST}index.html`);

/** Newest modification time (ms) of a studio's sources: src/**, index.html, vite.config.ts, public/**. */
function newestSource(webRoot: string): number {
  let newest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const st = statSync(path);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const part of ['src', 'public', 'index.html', 'vite.config.ts']) visit(join(webRoot, part));
  return newest;
}

/** `webRoot`/dist exists but a source changed after it was built. */
export function studioStale(webRoot = WEB_ROOT): boolean {
  const index = join(webRoot, 'dist', 'index.html');
  return existsSync(index) && newestSource(webRoot) > statSync(index).mtimeMs;
}

/**
 * Builds web/dist with vite when it is missing or stale; returns why not when it cannot (vite is a dev
 * dependency: without it an existing build is served as it is).
 */
export function ensureStudioBuilt(): string | null {
  if (studioBuilt() && !studioStale()) return null;
  let vite: string;
  try {
    // vite's package exports do not include bin/vite.js (resolving it throws): find the package, then its bin.
    vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    return studioBuilt() ? null : 'vite is not installed (install dev dependencies, then run "npm run build:web")';
  }
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: WEB_ROOT, stdio: 'inherit' });
  return r.status === 0 && studioBuilt() && !studioStale() ? null : 'the studio build failed (see above)';
}

const NOT_BUILT = '<!doctype html><html lang="en"><meta charset="utf-8"><title>Kineo</title><body><h1>Kineo</h1>'
  + '<p>The studio is not built. Run <code>npm run build:web</code> and reload. The API is at <a href="/docs">/docs</a>.</p></body></html>';

export async function registerStudio(app: ZApp): Promise<void> {
  await app.register(fastifyStatic, { root: STUDIO_DIST, serve: false });
  const index = (_req: FastifyRequest, reply: FastifyReply) => studioBuilt()
    ? reply.header('cache-control', 'no-cache').sendFile('index.html')
    : reply.type('text/html').send(NOT_BUILT);
  const open = { auth: false, dialect: 'native' as const };
  app.get('/', { config: open, schema: { hide: true } }, index);
  app.get('/assets/*', { config: open, schema: { hide: true } }, (req, reply) => {
    const file = (req.params as { '*': string })['*'];
    return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(`assets/${file}`);
  });
  app.get('/favicon.svg', { config: open, schema: { hide: true } }, (_req, reply) => reply.sendFile('favicon.svg'));
}

/** A page URL of the studio (not the API): answered with index.html by the not-found handler. */
export function isStudioPage(req: FastifyRequest): boolean {
  if (req.method !== 'GET') return false;
  const path = req.url.split('?')[0]!;
  if (/^\/(api|v1|files|docs|openapi|metrics|healthz|readyz)(\/|$|\.)/.test(path)) return false;
  return String(req.headers.accept ?? '').includes('text/html');
}

export const sendStudioIndex = (reply: FastifyReply) => studioBuilt()
  ? reply.header('cache-control', 'no-cache').sendFile('index.html')
  : reply.type('text/html').send(NOT_BUILT);
