/**
 * What every studio browser test file sets up: the studio built, one server (startServer with the file's overrides)
 * and one Debian chromium, started before the file's tests; the browser contexts a test opens closed after it (a
 * playing video or an open event stream holds connections to the server); all stopped after the file.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureStudioBuilt } from '../src/server/web.js';
import { startServer, type TestServer } from './server/helpers.js';
import { DESKTOP, launchChromium, SHOTS } from './browser-helpers.js';

type Overrides = Parameters<typeof startServer>[0];
type ContextOptions = Parameters<Browser['newContext']>[0];

export interface StudioHarness {
  /** The running server (valid inside the file's tests and hooks). */
  readonly server: TestServer;
  readonly browser: Browser;
  /** A fresh browser context (desktop size unless the options say otherwise), closed after the test. */
  newContext(options?: ContextOptions): Promise<BrowserContext>;
  /** A page in a fresh context. */
  newPage(options?: ContextOptions): Promise<Page>;
}

export function studioHarness(overrides: Overrides, shotsDir = SHOTS): StudioHarness {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    expect(ensureStudioBuilt()).toBeNull();
    mkdirSync(shotsDir, { recursive: true });
    server = await startServer(overrides);
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  const newContext = async (options: ContextOptions = {}) => {
    const ctx = await browser!.newContext({ viewport: DESKTOP, ...options });
    contexts.push(ctx);
    return ctx;
  };
  return {
    get server() {
      return server!;
    },
    get browser() {
      return browser!;
    },
    newContext,
    newPage: async (options) => (await newContext(options)).newPage(),
  };
}
