/**
 * The Storyboard page in a real browser (playwright-core driving Debian's chromium) against a real server with the
 * oracle provider: write a two-shot storyboard (add, reorder and remove a shot on the way), see the price, submit,
 * watch the shots' progress, and the film plays with a download link. Screenshots go to tmp/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from './browser-helpers.js';
import { ensureStudioBuilt } from '../src/server/web.js';
import { startServer, type TestServer } from './server/helpers.js';

const SHOTS = 'tmp/screenshots';

describe.skipIf(!existsSync(CHROMIUM))('the storyboard page in a browser', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    expect(ensureStudioBuilt()).toBeNull();
    mkdirSync(SHOTS, { recursive: true });
    // A loopback server signs its local user in; the oracle stretched over ~1 s so that progress shows.
    server = await startServer({ oracle: { delayMs: 1000 }, builtin: { preload: false }, workers: { builtin: 0 } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('builds a two-shot storyboard, shows its price and progress, and plays the film', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/storyboard`);
    await page.getByRole('heading', { name: 'Storyboard', level: 1 }).waitFor();
    await page.getByLabel('Title').fill('A fox at the seaside');
    await page.getByLabel('Subject').fill('a red fox');
    await page.getByLabel('Model').selectOption('oracle');
    await page.getByLabel('What happens in shot 1').fill('moves left on the beach');
    await page.getByLabel('What happens in shot 2').fill('jumps on the grass');
    await page.getByLabel('Camera move').nth(1).selectOption('zoom_in');
    // A third shot, moved up, then removed again: two shots remain, in their order.
    await page.getByRole('button', { name: 'Add shot' }).click();
    await page.getByLabel('What happens in shot 3').fill('spins in the snow');
    await page.getByRole('button', { name: 'Move shot 3 up' }).click();
    expect(await page.getByLabel('What happens in shot 2').inputValue()).toBe('spins in the snow');
    await page.getByRole('button', { name: 'Remove shot 2' }).click();
    expect(await page.getByLabel('What happens in shot 2').inputValue()).toBe('jumps on the grass');
    expect(await page.getByTestId('shot').count()).toBe(2);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label'))).map((el) => el.outerHTML.slice(0, 80)));
    expect(unlabelled).toEqual([]);

    // The price and the film's length come from the server's estimate; captions show what each shot asks.
    await page.getByTestId('storyboard-cost').filter({ hasText: '2 credits' }).waitFor();
    expect(await page.getByTestId('storyboard-cost').textContent()).toContain('film 5.5 s');
    expect(await page.getByTestId('shot-caption').nth(1).textContent()).toContain('a red fox jumps on the grass, the camera zooms in');
    await page.screenshot({ path: `${SHOTS}/storyboard-01-form.png`, fullPage: true });

    await page.getByRole('button', { name: 'Make the film' }).click();
    await page.waitForURL(/\/storyboard\?id=story_/);
    expect(await page.getByLabel('Title').inputValue()).toBe(''); // the form is fresh for the next film
    await page.locator('[data-testid="storyboard-status"][data-status="running"]').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SHOTS}/storyboard-02-progress.png`, fullPage: true });
    await page.locator('[data-testid="storyboard-status"][data-status="succeeded"]').waitFor({ timeout: 60_000 });
    const film = page.getByTestId('film');
    const duration = await film.evaluate(async (v: HTMLVideoElement) => {
      if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
      await v.play();
      return v.duration;
    });
    expect(duration).toBeCloseTo(5.5, 0);
    expect(await page.getByRole('link', { name: 'Download the film' }).getAttribute('download')).toBe('A-fox-at-the-seaside.mp4');
    await page.screenshot({ path: `${SHOTS}/storyboard-03-film.png`, fullPage: true });
    await context.close();
  });
});
