/**
 * The studio as a new user meets it (issue 27), in a real browser (playwright-core driving Debian's chromium) against
 * a real server: the first screen's examples and Ctrl+Enter, generate → the task opens by itself and plays, progress
 * in words, the parameters used, "1 like", Copy link; errors a person can act on (server unreachable, unknown video,
 * unknown address, a field's error next to the field); keyboard and screen-reader basics (skip link, focus to the
 * heading, titles, the phone menu); keys (copy, confirm before revoke). Then every page at 1280×800 and 390×844 in
 * light and dark mode: AA contrast (test/contrast.ts), nothing wider than the window, a title and a heading, and a
 * full-page screenshot in tmp/screenshots/pages/ (`npm run screenshots` runs this file).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DESKTOP, MOBILE, SHOTS, CHROMIUM } from './browser-helpers.js';
import { studioHarness } from './studio-harness.js';
import { contrastFailures, contrastRatio, sidewaysOverflow } from './contrast.js';
import { EXAMPLES } from '../web/src/examples.js';

const PAGES_DIR = `${SHOTS}/pages`;

describe.skipIf(!existsSync(CHROMIUM))('the studio as a new user meets it', () => {
  /** The signed-in user's cookies, for the page sweep's contexts. */
  let storage: Awaited<ReturnType<BrowserContext['storageState']>>;
  let videoId = '';

  // The oracle stretched over ~2 s so that progress can be read; two oracle contestants keep arena pairs fast.
  const studio = studioHarness({
    auth: { mode: 'accounts' }, oracle: { delayMs: 2000 }, builtin: { preload: false }, workers: { builtin: 1, oracle: 2 }, inputs: { maxSteps: 40 },
    arena: { contestants: [{ id: 'oracle-a', name: 'Oracle A', model: 'oracle' }, { id: 'oracle-b', name: 'Oracle B', model: 'oracle', steps: 4 }] },
  }, PAGES_DIR);
  const newPage = studio.newPage;

  it('the contrast check measures WCAG ratios and flags low-contrast text', async () => {
    expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
    expect(contrastRatio([0x77, 0x77, 0x77], [255, 255, 255])).toBeCloseTo(4.48, 2);
    const page = await newPage();
    await page.setContent('<body style="background:#fff"><p style="color:#999">faint</p><p style="color:#595959">dark enough</p>'
      + '<p style="color:#767676;font-size:24px">large</p><button disabled style="opacity:.5;background:#5b3df5;color:#fff">off</button></body>');
    const failures = await contrastFailures(page);
    expect(failures.map((f) => f.text)).toEqual(['faint', 'off']);
    expect(failures[0]!.ratio).toBeCloseTo(2.85, 1);
  });

  it('first screen → generate → the task opens by itself and plays, with progress in words and what was used', async () => {
    const page = await newPage({ viewport: MOBILE, permissions: ['clipboard-read', 'clipboard-write'] });
    await page.goto(`${studio.server.url}/`);
    await page.getByLabel('Username').fill('nina');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create' }).waitFor();
    expect(await page.title()).toBe('Create · Kineo');

    // Every example is in words the model knows; a click fills the prompt.
    for (const example of EXAMPLES) {
      const check = await page.evaluate(async (prompt) => (await fetch('/api/prompt/check', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': (await (await fetch('/api/session')).json()).csrf_token }, body: JSON.stringify({ prompt }) })).json(), example) as { unknown_words: string[] };
      expect(check.unknown_words, example).toEqual([]);
    }
    await page.getByRole('button', { name: EXAMPLES[1]! }).click();
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe(EXAMPLES[1]);
    // The sampling settings are folded away, each explained; Generate is in reach without scrolling on a phone.
    expect(await page.getByLabel('Steps').isVisible()).toBe(false);
    await page.getByText('Advanced settings').click();
    await page.getByText('More steps draw more carefully').waitFor();
    await page.getByText('Advanced settings').click();
    const generate = page.getByRole('button', { name: 'Generate' });
    const box = (await generate.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(MOBILE.height);
    await page.getByLabel('Model').selectOption('oracle');

    // Ctrl+Enter in the prompt submits; Tasks shows the new task's progress in words, read out politely.
    await page.getByLabel('Prompt', { exact: true }).press('Control+Enter');
    await page.waitForURL(/\/tasks\?new=/);
    const id = new URL(page.url()).searchParams.get('new')!;
    const words = page.locator(`li.task[data-task-id="${id}"] [data-testid="progress-words"]`);
    await words.filter({ hasText: /drawing \d+ of 10/ }).waitFor({ timeout: 20_000 });
    expect(await words.getAttribute('aria-live')).toBe('polite');
    expect(await words.textContent()).not.toMatch(/render|denoise|\d+\/\d+/);

    // When it is done its player opens by itself and plays, muted and looping.
    await page.waitForURL(new RegExp(`/v/${id}$`), { timeout: 30_000 });
    const video = page.getByTestId('player');
    await video.waitFor();
    await page.waitForFunction(() => { const v = document.querySelector<HTMLVideoElement>('[data-testid="player"]'); return v && !v.paused && v.currentTime > 0; }, undefined, { timeout: 15_000 });
    expect(await video.evaluate((v: HTMLVideoElement) => [v.muted, v.loop])).toEqual([true, true]);
    expect(await page.title()).toBe(`${EXAMPLES[1]} · Kineo`);
    // The oracle reports no sampling settings: it says so, not "default".
    expect(await page.getByTestId('params').textContent()).toContain('model default');

    // Publish, like it: "1 like"; Copy link puts the page's address on the clipboard.
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('button', { name: /^Like/ }).click();
    await page.getByTestId('likes').filter({ hasText: /^1 like$/ }).waitFor();
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByTestId('copied').filter({ hasText: 'Link copied.' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${studio.server.url}/v/${id}`);
    videoId = id;
    storage = await page.context().storageState();
  }, 90_000);

  it('shows the steps, CFG and sampler the built-in model actually used', async () => {
    const page = await newPage({ storageState: storage });
    await page.goto(`${studio.server.url}/create`);
    await page.getByLabel('Model').selectOption('kineo-tiny');
    await page.getByLabel('Prompt', { exact: true }).fill('a cat moves left in the snow');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForURL(/\/v\//, { timeout: 60_000 });
    const params = page.getByTestId('params');
    await params.filter({ hasText: /Steps\d+ \(model default\)/ }).waitFor();
    expect(await params.textContent()).toMatch(/Sampler(Euler|Heun) \(model default\)/);
  }, 90_000);

  it('says what went wrong in words a person can act on', async () => {
    const page = await newPage({ storageState: storage });
    // The server cannot be reached: a sentence and a way to try again, never "Failed to fetch".
    await page.route('**/api/session', (route) => route.abort('connectionrefused'));
    await page.goto(`${studio.server.url}/create`);
    await page.getByTestId('unreachable').waitFor();
    expect(await page.getByTestId('unreachable').textContent()).toMatch(/did not answer/);
    expect(await page.content()).not.toMatch(/Failed to fetch|TypeError/);
    await page.unroute('**/api/session');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Create' }).waitFor();

    // A field the server refuses (more steps than this server's inputs.maxSteps): the message sits under that field,
    // in a sentence, and the field is marked invalid and takes the focus. The form warns of a slow job before that.
    await page.getByLabel('Prompt', { exact: true }).fill('a dog jumps on the grass');
    await page.getByLabel('Model').selectOption('oracle');
    await page.getByText('Advanced settings').click();
    // Before that, the form says how long the job takes (the model's measured run, scaled by the settings) and the limit.
    expect(await page.getByTestId('time-estimate').textContent()).toMatch(/^Takes about \d+ (s|min)/);
    await page.getByLabel('Steps').fill('60');
    await page.getByText('Many steps make a slow job').waitFor();
    expect(await page.locator('#steps-help').textContent()).toContain('At most 40 on this server.');
    await page.getByRole('button', { name: 'Generate' }).click();
    const stepsError = page.locator('#steps-error');
    await stepsError.waitFor();
    expect(await stepsError.textContent()).toMatch(/^Steps: at most 40 on this server.*\.$/);
    expect(await page.getByLabel('Steps').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Steps').getAttribute('aria-describedby')).toBe('steps-error');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-steps');

    // An unknown video and an unknown address each get a page that says so and offers a way on.
    await page.goto(`${studio.server.url}/v/task_nope`);
    await page.getByRole('heading', { name: 'Video not found' }).waitFor();
    expect(await page.title()).toBe('Video not found · Kineo');
    await page.goto(`${studio.server.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('link', { name: 'Create a video' }).click();
    await page.getByRole('heading', { name: 'Create' }).waitFor();
  }, 60_000);

  it('works by keyboard and for screen readers: skip link, focus to the heading, titles, the phone menu', async () => {
    const page = await newPage({ storageState: storage });
    await page.goto(`${studio.server.url}/create`);
    await page.getByRole('heading', { name: 'Create' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // Navigating moves focus to the new page's heading and sets its title.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Feed' }).click();
    await page.getByRole('heading', { name: 'Feed' }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName + ' ' + document.activeElement?.textContent)).toBe('H1 Feed');
    expect(await page.title()).toBe('Feed · Kineo');

    // On a phone the links fold into a menu that opens, names its state, and closes after a choice.
    await page.setViewportSize(MOBILE);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    const header = (await page.locator('header.top').boundingBox())!;
    expect(header.height).toBeLessThan(80); // one row
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await nav.getByRole('link', { name: 'Arena' }).click();
    await page.getByRole('heading', { name: 'Arena' }).waitFor();
    expect(await nav.isVisible()).toBe(false);
    // At 1280×800 the vote buttons are on screen without scrolling, with both videos.
    await page.setViewportSize(DESKTOP);
    await page.getByLabel('Video B').waitFor({ timeout: 20_000 });
    const vote = (await page.getByRole('button', { name: 'Both are bad' }).boundingBox())!;
    expect(vote.y + vote.height).toBeLessThanOrEqual(DESKTOP.height);
  }, 60_000);

  it('keys: copy buttons, a confirmation before revoking, and a revoked key\'s secret disappears', async () => {
    const page = await newPage({ storageState: storage, permissions: ['clipboard-read', 'clipboard-write'] });
    await page.goto(`${studio.server.url}/keys`);
    expect(await page.getByTestId('credits-note').textContent()).toMatch(/Credits belong to each key/);
    await page.getByLabel('Key name').fill('script');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('secret-key').inputValue();
    await page.getByRole('button', { name: 'Copy the secret key' }).click();
    await page.getByRole('button', { name: 'Copy the secret key' }).filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const row = page.locator('table.keys tr', { hasText: 'script' });
    page.once('dialog', (d) => void d.dismiss());
    await row.getByRole('button', { name: 'Revoke' }).click();
    expect(await page.getByTestId('secret-key').isVisible()).toBe(true); // dismissed: nothing happened
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('revoked').waitFor();
    expect(await page.getByTestId('secret-key').count()).toBe(0);
    expect(await page.getByTestId('kling-snippet').textContent()).not.toContain(secret);
  }, 30_000);

  it('every page at desktop and phone size, light and dark: AA contrast, no sideways scrolling, a title and a heading', async () => {
    expect(videoId).not.toBe('');
    // Each page with what shows it has loaded its data (a live page — SSE, polling — never goes network-idle).
    const pages: [string, string, string][] = [
      ['create', '/create', '#f-model option'], ['tasks', '/tasks', 'li.task'], ['player', `/v/${videoId}`, '[data-testid="player"]'],
      ['feed', '/feed', 'li.video-card'], ['mine', '/mine', 'li.video-card'], ['keys', '/keys', 'table.keys tbody tr'],
      ['effects', '/effects', 'li.effect-card'], ['ads', '/ads', 'form'], ['storyboard', '/storyboard', 'form'],
      ['arena', '/arena', '[aria-label="Video B"]'], ['not-found', '/nope', 'main a'], ['sign-in', '/', '#f-username'],
    ];
    // One page signed in and one signed out, moved between addresses by the studio's own router (a reload per
    // shot would cost a minute on a busy machine); size and colour scheme are switched in place for each shot.
    const signedIn = await newPage({ storageState: storage, reducedMotion: 'reduce' });
    const signedOut = await newPage({ reducedMotion: 'reduce' });
    await signedIn.goto(`${studio.server.url}/create`);
    await signedOut.goto(`${studio.server.url}/`);
    // An ad batch and a storyboard, finished, so that Tasks and My videos show their children folded under them.
    await signedIn.evaluate(async () => {
      const csrf = (await (await fetch('/api/session')).json()).csrf_token as string;
      const post = async (path: string, body: unknown) => (await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) })).json();
      const batch = await post('/api/batches', { name: 'Crunchy Apple', product: { subject: 'a red apple' }, selling_points: ['100% organic'], templates: ['squish'], aspect_ratios: ['9:16', '1:1'], count: 2, model: 'oracle' });
      const film = await post('/api/storyboards', { title: 'A fox at the seaside', subject: 'a red fox', model: 'oracle', shots: [{ prompt: 'moves left on the beach', duration: 2 }, { prompt: 'jumps on the grass', duration: 2 }] });
      for (const path of [`/api/batches/${batch.id}`, `/api/storyboards/${film.id}`]) {
        while (!['succeeded', 'partially_failed', 'failed', 'cancelled'].includes((await (await fetch(path)).json()).status)) await new Promise((r) => setTimeout(r, 250));
      }
    });
    const problems: string[] = [];
    for (const [name, path, ready] of pages) {
      const page = name === 'sign-in' ? signedOut : signedIn;
      await page.evaluate((to) => {
        history.pushState(null, '', to);
        dispatchEvent(new PopStateEvent('popstate'));
      }, path);
      await page.locator('h1').first().waitFor();
      await page.waitForSelector(ready, { state: 'attached', timeout: 20_000 });
      await page.waitForFunction(() => !document.body.innerText.includes('Loading…'));
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const [sizeName, size] of [['desktop', DESKTOP], ['mobile', MOBILE]] as const) {
          await page.setViewportSize(size);
          const where = `${name} ${sizeName} ${scheme}`;
          const title = await page.title();
          if (!/ · Kineo$/.test(title)) problems.push(`${where}: title "${title}"`);
          for (const f of await contrastFailures(page)) problems.push(`${where}: "${f.text}" ${f.ratio}:1 < ${f.needed} (${f.color} on ${f.background}) ${f.element}`);
          const wider = await sidewaysOverflow(page);
          if (wider > 0) problems.push(`${where}: ${wider} px wider than the window`);
          await page.screenshot({ path: `${PAGES_DIR}/${name}-${sizeName}-${scheme}.png`, fullPage: true });
        }
      }
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
