/**
 * The studio in Chinese and English, in a real browser against a real server: a browser whose language is Chinese
 * gets every page in Chinese (`<html lang="zh-CN">`, the titles, the example prompts, the model's reading, progress,
 * "1 个赞", the server's refusals by their codes) with no English word left outside names and what people typed;
 * the switch changes the language at once, is remembered across a reload and sits in the phone menu; an English
 * browser gets English. Every Chinese page at 1280×800 and 390×844: nothing wider than the window, and a full-page
 * screenshot in tmp/screenshots/pages/<page>-zh-<size>.png (`npm run screenshots` runs this file too).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DESKTOP, MOBILE, SHOTS, CHROMIUM } from './browser-helpers.js';
import { studioHarness } from './studio-harness.js';
import { sidewaysOverflow } from './contrast.js';
import { EXAMPLES_ZH } from '../web/src/examples.js';
import { ZH_ALLOWED } from './i18n-allowed.js';

const PAGES_DIR = `${SHOTS}/pages`;

/**
 * English words a person meets on the page — visible text, options, placeholders, labels for screen readers, alt
 * text — outside what is not to be translated (`translate="no"`: prompts, captions, names, model ids; code). Folded
 * sections are opened first so that what they hold is read too. (A string, not a function: see test/contrast.ts.)
 */
async function englishLeft(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const allowed = new Set(${JSON.stringify([...ZH_ALLOWED])});
    for (const d of document.querySelectorAll('details')) d.open = true;
    const out = [];
    const check = (text, el, where) => {
      if (el.closest('[translate="no"], code, pre, script, style')) return;
      for (const w of text.match(/[A-Za-z][A-Za-z0-9]+/g) || []) if (!allowed.has(w.toLowerCase())) out.push(w + ' (' + where + ': "' + text.trim().slice(0, 60) + '")');
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (el && (el.closest('select') || el.checkVisibility())) check(n.textContent, el, el.tagName.toLowerCase());
    }
    for (const el of document.querySelectorAll('[placeholder], [aria-label], img[alt]')) {
      for (const a of ['placeholder', 'aria-label', 'alt']) if (el.getAttribute(a)) check(el.getAttribute(a), el, a);
    }
    return out;
  })()`) as Promise<string[]>;
}

const htmlLang = (page: Page) => page.evaluate(() => document.documentElement.lang);

describe.skipIf(!existsSync(CHROMIUM))('the studio in Chinese and English', () => {
  let storage: Awaited<ReturnType<BrowserContext['storageState']>>;
  let videoId = '';

  const studio = studioHarness({
    auth: { mode: 'accounts' }, oracle: { delayMs: 1500 }, builtin: { preload: false }, workers: { builtin: 1, oracle: 2 },
    arena: { contestants: [{ id: 'oracle-a', name: 'Oracle A', model: 'oracle' }, { id: 'oracle-b', name: 'Oracle B', model: 'oracle', steps: 4 }] },
  }, PAGES_DIR);
  const newPage = studio.newPage;

  it('a Chinese browser gets the studio in Chinese: sign-in, examples, the model\'s reading, progress, the player', async () => {
    const page = await newPage({ locale: 'zh-CN', viewport: MOBILE });
    await page.goto(`${studio.server.url}/`);
    await page.getByRole('heading', { name: 'Kineo 工作室' }).waitFor();
    expect(await htmlLang(page)).toBe('zh-CN');
    expect(await page.title()).toBe('登录 · Kineo');
    expect(await englishLeft(page)).toEqual([]);

    // A refusal with a code the studio knows is said in Chinese (the server's sentence is English).
    await page.getByLabel('用户名').fill('lin');
    await page.getByLabel('密码').fill('correct horse battery');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: '用户名或密码错误。' }).waitFor();
    await page.getByRole('button', { name: '注册账号' }).click();
    await page.getByRole('heading', { name: '生成' }).waitFor();
    expect(await page.title()).toBe('生成 · Kineo');

    // Chinese example prompts, each read whole by the server's prompt check; a click fills the prompt, and what the
    // model understood is said in Chinese.
    for (const example of EXAMPLES_ZH) {
      const check = await page.evaluate(async (prompt) => (await fetch('/api/prompt/check', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': (await (await fetch('/api/session')).json()).csrf_token }, body: JSON.stringify({ prompt }) })).json(), example) as { unknown_words: string[]; reading: { usable: boolean } };
      expect(check.unknown_words, example).toEqual([]);
      expect(check.reading.usable, example).toBe(true);
    }
    await page.getByRole('button', { name: EXAMPLES_ZH[0]! }).click();
    expect(await page.getByLabel('提示词', { exact: true }).inputValue()).toBe(EXAMPLES_ZH[0]);
    await page.getByTestId('concept-object').filter({ hasText: '主体 猫' }).waitFor();
    await page.getByTestId('concept-motion').filter({ hasText: '动作 弹跳' }).waitFor();
    await page.getByText('模型能理解所有内容。').waitFor();
    expect(await englishLeft(page)).toEqual([]);
    // A camera move is appended in Chinese to a Chinese prompt, and read as one.
    await page.getByLabel('运镜').selectOption('zoom_in');
    await page.getByTestId('prompt-sent').filter({ hasText: `${EXAMPLES_ZH[0]}，镜头拉近` }).waitFor();
    await page.getByTestId('concept-camera').filter({ hasText: '运镜 镜头拉近' }).waitFor();
    await page.getByLabel('运镜').selectOption('');

    await page.getByLabel('模型').selectOption('oracle');
    await page.getByRole('button', { name: '立即生成' }).click();
    await page.waitForURL(/\/tasks\?new=/);
    const id = new URL(page.url()).searchParams.get('new')!;
    await page.locator(`li.task[data-task-id="${id}"] [data-testid="progress-words"]`).filter({ hasText: /正在绘制 \d+\/10/ }).waitFor({ timeout: 20_000 });
    await page.waitForURL(new RegExp(`/v/${id}$`), { timeout: 30_000 });
    await expect.poll(() => page.title()).toBe(`${EXAMPLES_ZH[0]} · Kineo`);
    await page.getByRole('button', { name: '发布' }).click();
    await page.getByRole('button', { name: /^点赞/ }).click();
    await page.getByTestId('likes').filter({ hasText: /^1 个赞$/ }).waitFor();
    expect(await page.getByTestId('params').textContent()).toContain('模型默认');
    videoId = id;
    storage = await page.context().storageState();
  }, 90_000);

  it('every page in Chinese at desktop and phone size: its heading and title, no English left, nothing wider than the window', async () => {
    expect(videoId).not.toBe('');
    // [name, address, heading, what shows the page has loaded its data]
    const pages: [string, string, string, string][] = [
      ['create', '/create', '生成', '#f-model option'], ['tasks', '/tasks', '任务', 'li.task'], ['player', `/v/${videoId}`, EXAMPLES_ZH[0]!, '[data-testid="player"]'],
      ['feed', '/feed', '社区', 'li.video-card'], ['mine', '/mine', '我的作品', 'li.video-card'], ['keys', '/keys', 'API 密钥', 'table.keys tbody tr'],
      ['effects', '/effects', '特效', 'li.effect-card'], ['ads', '/ads', '广告', 'input[name="templates"]'], ['storyboard', '/storyboard', '分镜', 'form'],
      ['arena', '/arena', '竞技场', '[aria-label="视频 B"]'], ['not-found', '/nope', '页面不存在', 'main a'],
    ];
    const page = await newPage({ locale: 'zh-CN', storageState: storage, reducedMotion: 'reduce' });
    await page.goto(`${studio.server.url}/create`);
    const problems: string[] = [];
    for (const [name, path, heading, ready] of pages) {
      await page.setViewportSize(DESKTOP);
      await page.evaluate((to) => {
        history.pushState(null, '', to);
        dispatchEvent(new PopStateEvent('popstate'));
      }, path);
      await page.locator('h1').filter({ hasText: heading }).first().waitFor();
      await page.waitForSelector(ready, { state: 'attached', timeout: 20_000 });
      await page.waitForFunction(() => !document.body.innerText.includes('加载中…'));
      if (await page.title() !== `${heading} · Kineo`) problems.push(`${name}: title "${await page.title()}"`);
      for (const [sizeName, size] of [['desktop', DESKTOP], ['mobile', MOBILE]] as const) {
        await page.setViewportSize(size);
        if (sizeName === 'mobile') {
          // The phone menu, open: the links and the language switch are Chinese too.
          await page.getByRole('button', { name: '菜单' }).click();
          problems.push(...(await englishLeft(page)).map((w) => `${name}: ${w}`));
          await page.getByRole('button', { name: '菜单' }).click();
        }
        const wider = await sidewaysOverflow(page);
        if (wider > 0) problems.push(`${name} ${sizeName}: ${wider} px wider than the window`);
        await page.screenshot({ path: `${PAGES_DIR}/${name}-zh-${sizeName}.png`, fullPage: true });
      }
    }
    expect(problems).toEqual([]);

    // The server unreachable: said in Chinese.
    await page.route('**/api/session', (route) => route.abort('connectionrefused'));
    await page.reload();
    await page.getByRole('heading', { name: '工作室无法连接到服务器' }).waitFor();
    expect(await page.getByTestId('unreachable').textContent()).toMatch(/^Kineo 服务器没有响应/);
    expect(await page.title()).toBe('无法连接服务器 · Kineo');
  }, 240_000);

  it('the switch changes the language at once, is remembered after a reload, and sits in the phone menu', async () => {
    const page = await newPage({ locale: 'zh-CN', storageState: storage });
    await page.goto(`${studio.server.url}/create`);
    await page.getByRole('heading', { name: '生成' }).waitFor();
    const header = page.locator('header.top');
    expect(await header.getByRole('button', { name: '中文' }).getAttribute('aria-pressed')).toBe('true');
    await header.getByRole('group', { name: '语言' }).getByRole('button', { name: 'EN' }).click();
    await page.getByRole('heading', { name: 'Create' }).waitFor();
    expect(await htmlLang(page)).toBe('en');
    expect(await page.title()).toBe('Create · Kineo');
    expect(await header.getByRole('button', { name: 'EN' }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storyboard' }).isVisible()).toBe(true);

    await page.reload();
    await page.getByRole('heading', { name: 'Create' }).waitFor();
    expect(await htmlLang(page)).toBe('en');

    // On a phone the header row has no room for it: it is the open menu's last line.
    await page.setViewportSize(MOBILE);
    expect(await page.getByRole('group', { name: 'Language' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('group', { name: 'Language' }).getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '生成' }).waitFor();
    expect(await htmlLang(page)).toBe('zh-CN');
    await page.screenshot({ path: `${PAGES_DIR}/menu-zh-mobile.png` });
    await page.getByRole('button', { name: '菜单' }).click();
    expect((await header.boundingBox())!.height).toBeLessThan(80); // one row, closed
  }, 60_000);

  it('an English browser gets the studio in English', async () => {
    const page = await newPage({ locale: 'en-US' });
    await page.goto(`${studio.server.url}/`);
    await page.getByRole('heading', { name: 'Kineo studio' }).waitFor();
    expect(await htmlLang(page)).toBe('en');
    expect(await page.title()).toBe('Sign in · Kineo');
    expect(await page.getByRole('button', { name: 'EN' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByLabel('Username').fill('sam');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).textContent()).toContain('My videos');
    expect(await page.getByRole('list', { name: 'Example prompts' }).textContent()).toContain('a cat bounces on the beach');
    // The check for English left in Chinese pages finds it where it is (it is not blind).
    expect(await englishLeft(page)).toEqual(expect.arrayContaining([expect.stringMatching(/^Describe /), expect.stringMatching(/^Generate /)]));
  }, 60_000);
});
