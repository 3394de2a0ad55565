/**
 * The studio in a real browser (playwright-core driving Debian's chromium) against a real server on a random port
 * with the oracle provider: sign up → create → watch progress → the video plays → publish → a second user sees it
 * in the feed → like → remix opens Create prefilled and the new video links to its parent. Screenshots at desktop
 * and mobile sizes go to tmp/screenshots/ (not committed).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { shoot, unlabelledControls, CHROMIUM } from './browser-helpers.js';
import { studioHarness } from './studio-harness.js';
import { testPng } from './server/media-probe.js';

const PROMPT = 'a cat bounces on the beach';



async function signUp(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('correct horse battery');
  expect(await unlabelledControls(page)).toEqual([]);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('username').filter({ hasText: username }).waitFor();
}

/** After Generate: Tasks shows the new task, whose player opens by itself when it has finished. */
async function openNewestWhenDone(page: Page): Promise<string> {
  await page.waitForURL(/\/(tasks\?new=|v\/)/);
  const url = new URL(page.url());
  if (url.pathname.startsWith('/v/')) return url.pathname.slice(3); // it already finished and opened
  const id = url.searchParams.get('new')!;
  await page.waitForURL(new RegExp(`/v/${id}$`), { timeout: 30_000 });
  return id;
}

/** Presses Tab (at most `max` times) until the focused element matches `selector`; fails when it never does. */
async function tabTo(page: Page, selector: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

describe.skipIf(!existsSync(CHROMIUM))('the studio in a browser', () => {
  // Accounts on a loopback server (the default would sign one local user in); the oracle stretched over ~1.5 s
  // so that progress is visible.
  const studio = studioHarness({ auth: { mode: 'accounts' }, oracle: { delayMs: 1500 }, builtin: { preload: false }, workers: { builtin: 1 } });

  it('runs create → progress → play → publish → another user likes it in the feed → remix links to its parent', async () => {
    const alice = await studio.newContext();
    const a = await alice.newPage();
    await signUp(a, studio.server.url, 'alice');
    expect(await a.locator('header .who').textContent()).toContain('alice (admin)'); // the first account is the admin

    // Create: unknown words are highlighted before submit; the cost is shown.
    await a.getByLabel('Prompt', { exact: true }).fill('a red cat bounces on the zorgbeach');
    await a.locator('mark.unknown', { hasText: 'zorgbeach' }).waitFor();
    // The reading before Generate: the concepts understood as chips (Chinese too), what the model cannot use listed
    await a.getByLabel('Prompt', { exact: true }).fill('一只小猫在海边弹吉他 🎸');
    const reading = a.getByTestId('prompt-reading');
    await reading.getByTestId('concept-object').filter({ hasText: 'cat' }).waitFor();
    await reading.getByTestId('concept-background').filter({ hasText: 'beach' }).waitFor();
    expect(await a.getByTestId('unknown-words').textContent()).toContain('弹吉他');
    await a.locator('mark.unknown', { hasText: '弹吉他' }).waitFor();
    await a.getByLabel('Prompt', { exact: true }).fill('!!! ???');
    await a.getByTestId('prompt-unusable').waitFor();
    expect(await a.getByTestId('prompt-reading').count()).toBe(0);
    await a.getByLabel('Prompt', { exact: true }).fill(PROMPT);
    await a.getByText('The model can use every word.').waitFor();
    await a.getByLabel('Model').selectOption('oracle');
    await a.getByText('Advanced settings').click();
    await a.getByLabel('Seed').fill('7');
    expect(await a.getByTestId('cost').textContent()).toMatch(/Cost: 1 credit · balance 100/);
    expect(await unlabelledControls(a)).toEqual([]);
    await shoot(a, '01-create');
    await a.getByRole('button', { name: 'Generate' }).click();

    // Tasks: live progress over SSE with a preview frame.
    await a.waitForURL(/\/tasks/);
    await a.locator('li.task progress').first().waitFor();
    await a.locator('li.task img.preview-frame').first().waitFor({ timeout: 10_000 });
    await shoot(a, '02-tasks-progress');
    const parentId = await openNewestWhenDone(a);

    // Player: the MP4 plays.
    const video = a.getByTestId('player');
    await video.waitFor();
    const duration = await video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
      await v.play();
      return v.duration;
    });
    expect(duration).toBeGreaterThan(0);
    await a.getByRole('button', { name: 'Publish' }).click();
    await a.getByRole('button', { name: 'Unpublish' }).waitFor();
    await shoot(a, '03-player');

    // A second user sees it in the feed and likes it.
    const bob = await studio.newContext();
    const b = await bob.newPage();
    await signUp(b, studio.server.url, 'bob');
    await b.getByRole('link', { name: 'Feed' }).click();
    const card = b.locator(`li.video-card[data-video-id="${parentId}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain(PROMPT);
    await card.getByRole('button', { name: `Like “${PROMPT}”` }).click();
    await card.getByRole('button', { name: `Unlike “${PROMPT}”` }).waitFor();
    expect(await card.getByRole('button', { name: /Unlike/ }).textContent()).toContain('1');
    await shoot(b, '04-feed');

    // Remix: Create opens prefilled; the new video links to its parent.
    await card.getByRole('link', { name: `Open “${PROMPT}”` }).click();
    await b.getByRole('button', { name: 'Remix' }).click();
    await b.waitForURL(/\/create\?remix=/);
    await b.getByTestId('remix-of').waitFor();
    expect(await b.getByLabel('Prompt', { exact: true }).inputValue()).toBe(PROMPT);
    expect(await b.getByLabel('Seed').inputValue()).toBe('7');
    await b.getByLabel('Seed').fill('8');
    await shoot(b, '05-remix');
    await b.getByRole('button', { name: 'Generate remix' }).click();
    const childId = await openNewestWhenDone(b);
    await b.getByTestId('parent').waitFor();
    expect(await b.getByTestId('parent').textContent()).toContain(PROMPT);
    const child = await b.evaluate(async (id) => (await fetch(`/api/videos/${id}`)).json(), childId) as { remixed_from: string };
    expect(child.remixed_from).toBe(parentId);

    // The parent's page lists the remix once it is published.
    await b.getByRole('button', { name: 'Publish' }).click();
    await b.getByRole('button', { name: 'Unpublish' }).waitFor();
    await a.goto(`${studio.server.url}/v/${parentId}`);
    await a.getByRole('link', { name: PROMPT }).first().waitFor();
    expect(await a.getByTestId('likes').textContent()).toBe('1 like');
    await a.getByRole('link', { name: 'API keys' }).click();
    await a.getByLabel('Key name').fill('script');
    await a.getByRole('button', { name: 'Create key' }).click();
    await a.getByTestId('secret-key').waitFor();
    expect(await a.getByTestId('openai-snippet').textContent()).toContain(await a.getByTestId('secret-key').inputValue());
    expect(await unlabelledControls(a)).toEqual([]);
    await shoot(a, '06-keys');
  }, 180_000); // two users, two generations and a dozen full-page shots: minutes on a busy 2-core machine

  it('effects: the gallery shows previews, "Use this" preselects the template; effect + camera move reach the prompt sent', async () => {
    const carol = await studio.newContext();
    const c = await carol.newPage();
    await signUp(c, studio.server.url, 'carol');
    await c.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Effects' }).click();
    await c.waitForURL(/\/effects/);
    const cards = c.locator('li.effect-card');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThanOrEqual(7);
    // Every preview is a GIF the browser decoded (made once by the built-in model — here the tiny test model — then cached).
    // Generous: the first request renders every preview, one model run each, and CI's 2 cores may be busy.
    await c.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('li.effect-card img')].every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 60_000 });
    await shoot(c, '07-effects');
    await c.getByRole('button', { name: 'Use this: Melt' }).click();
    await c.waitForURL(/\/create\?effect=melt/);
    await expect.poll(() => c.getByLabel('Effect template').inputValue()).toBe('melt');
    await c.getByLabel('Prompt', { exact: true }).fill('a cat in the desert');
    await c.getByLabel('Camera move').selectOption({ label: 'Zoom in' });
    await c.getByLabel('Model').selectOption('oracle');
    await c.getByTestId('prompt-sent').filter({ hasText: 'a cat in the desert, melts, the camera zooms in' }).waitFor();
    await c.getByText('The model can use every word.').waitFor();
    expect(await unlabelledControls(c)).toEqual([]);
    await shoot(c, '08-create-effect');
    await c.getByRole('button', { name: 'Generate' }).click();
    await c.waitForURL(/\/tasks\?new=/);
    const id = new URL(c.url()).searchParams.get('new')!;
    const task = await c.evaluate(async (tid) => (await fetch(`/api/tasks/${tid}`)).json(), id) as { prompt: string };
    expect(task.prompt).toBe('a cat in the desert, melts, the camera zooms in');
  }, 120_000);

  it('the main create flow works by keyboard alone', async () => {
    const dave = await studio.newContext();
    const d = await dave.newPage();
    // Sign up by keyboard too: Tab to each field, type, Enter on "Create account".
    await d.goto(`${studio.server.url}/`);
    await tabTo(d, '#f-username');
    await d.keyboard.type('dave');
    await tabTo(d, '#f-password');
    await d.keyboard.type('correct horse battery');
    await tabTo(d, 'button.secondary');
    await d.keyboard.press('Enter');
    await d.getByTestId('username').filter({ hasText: 'dave' }).waitFor();
    await d.getByLabel('Prompt', { exact: true }).waitFor();
    await tabTo(d, '#f-prompt');
    await d.keyboard.type('a dog in the snow'); // an effect holds the object still: a motion here would be reported unused
    await tabTo(d, '#f-effect');
    await d.keyboard.type('Squish');
    await tabTo(d, '#f-camera');
    await d.keyboard.type('Pan right');
    await tabTo(d, '#f-model');
    await d.keyboard.type('oracle');
    expect(await d.locator('#f-effect').inputValue()).toBe('squish');
    expect(await d.locator('#f-camera').inputValue()).toBe('pan_right');
    expect(await d.locator('#f-model').inputValue()).toBe('oracle');
    await d.getByText('The model can use every word.').waitFor();
    await tabTo(d, 'button[type="submit"]');
    await d.keyboard.press('Enter');
    await d.waitForURL(/\/tasks\?new=/);
    const id = new URL(d.url()).searchParams.get('new')!;
    await d.locator(`li.task[data-task-id="${id}"]`).waitFor();
    const task = await d.evaluate(async (tid) => (await fetch(`/api/tasks/${tid}`)).json(), id) as { prompt: string; model: string };
    expect(task).toMatchObject({ prompt: 'a dog in the snow, gets squished, the camera pans right', model: 'oracle' });
  }, 60_000);

  it('pictures, aspect, duration and Extend: a first frame dropped on Create, 16:9 for 3 s, then 2 s more', async () => {
    const ctx = await studio.newContext();
    const page = await ctx.newPage();
    await signUp(page, studio.server.url, 'pictures');
    await page.getByLabel('Model').selectOption('kineo-tiny');
    await page.getByLabel('Prompt', { exact: true }).fill('a red ball moves right');
    await page.getByLabel('First frame (picture)').setInputFiles({ name: 'ball.png', mimeType: 'image/png', buffer: testPng(96, 54) });
    await page.getByRole('img', { name: 'First frame (picture): ball.png' }).waitFor();
    await page.getByLabel('Aspect ratio').selectOption('16:9');
    await page.getByLabel('Duration').selectOption('3');
    // 1 credit per 2 seconds of video, rounded up per clip
    expect(await page.getByTestId('cost').textContent()).toMatch(/Cost: 2 credits · 0\.5 credits per second of video/);
    expect(await unlabelledControls(page)).toEqual([]);
    await shoot(page, '08-create-picture');
    await page.getByRole('button', { name: 'Generate' }).click();
    const id = await openNewestWhenDone(page);
    await page.getByRole('button', { name: 'Extend' }).click();
    await page.getByTestId('extend-of').filter({ hasText: '(3 s)' }).waitFor();
    await page.getByLabel('Seconds to add').selectOption('2');
    await page.getByTestId('extend-of').filter({ hasText: '5 s in all' }).waitFor();
    await page.getByRole('button', { name: 'Extend' }).click();
    const ext = await openNewestWhenDone(page);
    expect(ext).not.toBe(id);
    const duration = await page.getByTestId('player').evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      if (!(v.duration > 0)) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
      return v.duration;
    });
    expect(duration).toBeCloseTo(5, 0);
  });
});
