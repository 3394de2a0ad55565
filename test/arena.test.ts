/**
 * The arena end to end against a real server whose contestants are all oracle-backed (fast): the API's vote rules
 * (blind until the vote, one vote per pair, only the user it was served to, only when both videos finished), then
 * the studio page in a real browser: open Arena → both videos load → vote → names revealed → the leaderboard counts
 * the battle.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from './browser-helpers.js';
import { ensureStudioBuilt } from '../src/server/web.js';
import { startServer, type TestServer } from './server/helpers.js';
import { OracleProvider } from '../src/core/providers/oracle.js';

const CONTESTANTS = [
  { id: 'oracle-a', name: 'Oracle A', model: 'oracle' },
  { id: 'oracle-b', name: 'Oracle B', model: 'oracle', steps: 4 },
  { id: 'missing', name: 'Not served here', model: 'no-such-model' },
];

describe('the arena', () => {
  let server: TestServer;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startServer({ auth: { mode: 'accounts' }, oracle: { delayMs: 300 }, builtin: { preload: false }, workers: { builtin: 0 }, arena: { contestants: CONTESTANTS, bootstrapRounds: 200 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function userKey(name: string): Promise<string> {
    const { user } = await server.kineo.context.accounts.signUp(name, 'correct horse battery');
    return (await server.kineo.context.keys.create(name, 10, user.id)).secret_key;
  }
  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as any };
  };

  it('leaves the oracle out of the default pool: its crisp ground truth would give a blind pair away', () => {
    expect(new OracleProvider().contestants()).toEqual([]);
  });

  it('serves blind pairs and takes one vote, by the user it was served to, once both videos finished', async () => {
    const alice = await userKey('alice');
    const bob = await userKey('bob');
    const { status, body: pair } = await call(alice, 'POST', '/api/arena/pairs');
    expect(status).toBe(201);
    expect(pair.left.contestant).toBeNull();
    expect(pair.right.contestant).toBeNull();
    expect(pair.left.task_id).not.toBe(pair.right.task_id);
    expect(JSON.stringify(pair)).not.toMatch(/oracle-a|oracle-b|Oracle/);
    expect((await call(alice, 'POST', `/api/arena/pairs/${pair.id}/vote`, { vote: 'left' })).body.error.code).toBe('pair_not_ready');
    expect((await call(alice, 'POST', `/api/arena/pairs/${pair.id}/vote`, { vote: 'sideways' })).status).toBe(400);

    let seen = pair;
    for (let i = 0; i < 100 && !seen.ready; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await call(alice, 'GET', `/api/arena/pairs/${pair.id}`)).body;
    }
    expect(seen.ready).toBe(true);
    expect(seen.left.video_url).toMatch(/\/files\//);
    // The arena's tasks are not the user's: they cannot be looked up to learn the model.
    expect((await call(alice, 'GET', `/api/videos/${pair.left.task_id}`)).status).toBe(404);

    const stolen = await call(bob, 'POST', `/api/arena/pairs/${pair.id}/vote`, { vote: 'left' });
    // as if it did not exist: a 403 would tell bob that the pair is there
    expect([stolen.status, stolen.body.error.code]).toEqual([404, 'not_found']);
    expect((await call(bob, 'POST', '/api/arena/pairs/pair_nope/vote', { vote: 'left' })).status).toBe(404);

    const voted = await call(alice, 'POST', `/api/arena/pairs/${pair.id}/vote`, { vote: 'both_bad' });
    expect(voted.status).toBe(200);
    expect([voted.body.left.contestant, voted.body.right.contestant].sort()).toEqual(['Oracle A', 'Oracle B']);
    const again = await call(alice, 'POST', `/api/arena/pairs/${pair.id}/vote`, { vote: 'left' });
    expect([again.status, again.body.error.code]).toEqual([409, 'already_voted']);

    const board = (await call(bob, 'GET', '/api/arena/leaderboard')).body;
    expect(board.votes).toBe(1);
    expect(board.data.map((r: any) => r.id).sort()).toEqual(['oracle-a', 'oracle-b']); // the unserved one is left out
    for (const r of board.data) expect(r).toMatchObject({ battles: 1, rank: 1, rating: 1000 }); // both bad = a tie
  });

  it.skipIf(!existsSync(CHROMIUM))('runs in the studio: both videos load → vote → names revealed → the leaderboard shows the battle', async () => {
    expect(ensureStudioBuilt()).toBeNull();
    browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Username').fill('carol');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('username').filter({ hasText: 'carol' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Arena' }).click();
    await page.getByTestId('arena-caption').waitFor();
    for (const label of ['A', 'B']) {
      const video = page.getByLabel(`Video ${label}`);
      await video.waitFor({ timeout: 20_000 });
      expect(await video.evaluate(async (v: HTMLVideoElement) => {
        if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
        return v.duration;
      })).toBeGreaterThan(0);
    }
    expect(await page.getByTestId('arena-name-A').count()).toBe(0); // blind until the vote
    // The vote buttons are on screen at 1280×800 without scrolling.
    const vote = (await page.getByRole('button', { name: 'Both are bad' }).boundingBox())!;
    expect(vote.y + vote.height).toBeLessThanOrEqual(800);
    await page.getByRole('button', { name: 'A is better' }).click();
    await page.getByTestId('arena-revealed').waitFor();
    expect(await page.getByTestId('arena-revealed').textContent()).toMatch(/A was Oracle [AB], B was Oracle [AB]/);
    expect(await page.getByRole('button', { name: 'B is better' }).isDisabled()).toBe(true);
    // The leaderboard counts this battle (plus the API test's one).
    await page.getByTestId('leaderboard').getByText('Oracle A').waitFor();
    const battles = await page.locator('[data-contestant] [data-testid="battles"]').allTextContents();
    expect(battles).toEqual(['2', '2']);
    // Two battles are far from enough for an interval worth reading: none is shown.
    expect(await page.locator('[data-contestant] [data-testid="interval"]').allTextContents()).toEqual(['after 20 battles', 'after 20 battles']);
    await page.getByRole('button', { name: 'Next pair' }).click();
    await page.getByRole('button', { name: 'A is better' }).and(page.locator(':disabled')).waitFor();
  });
});
