/**
 * The studio's Ads page in a real browser (playwright-core driving Debian's chromium) against a real server with the
 * oracle provider: sign up → fill the ads form → the live estimate → submit → the combined progress reaches done →
 * the zip downloads and holds the manifest and every variant. Screenshots go to tmp/screenshots/ (not committed).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { ensureStudioBuilt } from '../src/server/web.js';
import { startServer, type TestServer } from './server/helpers.js';
import { DESKTOP, SHOTS, shoot, unlabelledControls, CHROMIUM, launchChromium } from './browser-helpers.js';




describe.skipIf(!existsSync(CHROMIUM))('the Ads page in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    expect(ensureStudioBuilt()).toBeNull();
    mkdirSync(SHOTS, { recursive: true });
    // The oracle stretched over ~1 s per clip so that progress is visible.
    server = await startServer({ auth: { mode: 'accounts' }, oracle: { delayMs: 1000 }, builtin: { preload: false }, workers: { builtin: 0, oracle: 2 } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('fills the ads form, shows the estimate, runs the batch to done and downloads the zip', async () => {
    context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Username').fill('merchant');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('username').filter({ hasText: 'merchant' }).waitFor();

    await page.getByRole('link', { name: 'Ads' }).click();
    await page.waitForURL(/\/ads$/);
    await page.getByLabel('Product (as the model knows it)').fill('a red zorblax apple');
    await page.getByLabel('Product name').fill('Crunchy Apple');
    await page.getByLabel(/Selling points/).fill('100% organic\nPicked today');
    // Templates: Squish and Melt (unticking the defaults first).
    const ticked = page.locator('input[name="templates"]:checked');
    while (await ticked.count()) await ticked.first().uncheck();
    await page.getByRole('checkbox', { name: /Squish/ }).check();
    await page.getByRole('checkbox', { name: /Melt/ }).check();
    await page.getByRole('checkbox', { name: /16:9/ }).uncheck();
    await page.getByLabel('Variants').fill('6');
    await page.getByLabel('Model', { exact: true }).selectOption('oracle');

    // A product the model cannot draw at all blocks the submit, with the reason; then one it partly knows.
    await page.getByLabel('Product (as the model knows it)').fill('the new Zorblax 15 Pro');
    await page.getByTestId('estimate').getByText(/cannot draw "the new Zorblax 15 Pro"/).waitFor();
    expect(await page.getByRole('button', { name: 'Make the ads' }).isDisabled()).toBe(true);
    await page.getByLabel('Product (as the model knows it)').fill('a red zorblax apple');
    // The live estimate, and the words the model does not know.
    await page.getByTestId('unknown-words').filter({ hasText: 'zorblax' }).waitFor();
    await page.getByLabel('Product (as the model knows it)').fill('a red apple');
    await page.getByTestId('estimate').getByText('6 variants × 1 credit = 6 credits · balance 100').waitFor();
    await page.getByTestId('unknown-words').waitFor({ state: 'detached' });
    await page.getByTestId('estimate').getByText('“Crunchy Apple — 100% organic”').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, 'ads-01-form');

    await page.getByRole('button', { name: 'Make the ads' }).click();
    await page.waitForURL(/\/ads\?id=batch_/);
    await page.locator('[data-testid="batch"][data-status="running"], [data-testid="batch"][data-status="assembling"]').first().waitFor({ timeout: 20_000 });
    await page.locator('tr[data-status="succeeded"]').first().waitFor({ timeout: 20_000 });
    await shoot(page, 'ads-02-progress');
    await page.locator('[data-testid="batch"][data-status="succeeded"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('batch-counts').textContent()).toMatch(/^100% · 6 delivered/);
    expect(await page.locator('tr[data-status="succeeded"]').count()).toBe(6);
    // every finished variant shows its own clip as a thumbnail, loaded (its first frame drawn)
    const previews = page.locator('tr[data-status="succeeded"] .variant-preview video');
    expect(await previews.count()).toBe(6);
    await page.waitForFunction(() => [...document.querySelectorAll('.variant-preview video')].every((v) => (v as HTMLVideoElement).readyState >= 1), undefined, { timeout: 20_000 });
    expect(new Set(await previews.evaluateAll((vs) => vs.map((v) => (v as HTMLVideoElement).currentSrc))).size).toBe(6);
    await shoot(page, 'ads-03-done');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(download.suggestedFilename()).toMatch(/^Crunchy-Apple-[0-9a-f]{8}\.zip$/);
    const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
    expect(Object.keys(files).filter((n) => n.endsWith('.mp4'))).toHaveLength(6);
    const manifest = Buffer.from(files['manifest.csv']!).toString();
    expect(manifest.split('\r\n')[0]).toBe('file,template,aspect,seed,caption,task_id');
    expect(manifest).toContain('Crunchy Apple — Picked today');

    // The batch is listed on the form page.
    await page.getByRole('link', { name: 'New batch' }).click();
    await page.locator('li[data-batch-id]').filter({ hasText: 'Crunchy Apple' }).waitFor();
  }, 150_000); // six clips, a zip and six full-page shots: past a minute on a busy 2-core machine
});
