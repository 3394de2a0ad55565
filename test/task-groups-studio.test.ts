/**
 * Tasks and My videos fold an ad batch's variants and a storyboard's shots under one entry (issue 27 item 6), in a
 * real browser (playwright-core driving Debian's chromium) against a real server with the oracle provider: the
 * entry names the batch or film, counts what is done, links the zip or the film once made, and unfolds into the
 * children's usual rows; a task of no group is listed on its own as before, and nothing is wider than a phone.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CHROMIUM, MOBILE, SHOTS } from './browser-helpers.js';
import { studioHarness } from './studio-harness.js';
import { sidewaysOverflow } from './contrast.js';

/** A native API call from the page (the studio's session cookie and CSRF token). */
async function apiFrom(page: Page, method: string, path: string, body?: unknown) {
  return page.evaluate(async ([m, p, b]) => {
    const csrf = (await (await fetch('/api/session')).json()).csrf_token as string;
    const r = await fetch(p as string, { method: m as string, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: b === undefined ? undefined : JSON.stringify(b) });
    return r.json();
  }, [method, path, body] as const);
}

describe.skipIf(!existsSync(CHROMIUM))('batch and storyboard children grouped in Tasks and My videos', () => {
  // A loopback server signs its local user in; the oracle stretched a little so that the groups are seen running.
  const studio = studioHarness({ oracle: { delayMs: 300 }, builtin: { preload: false }, workers: { builtin: 0 } });

  it('shows one entry per batch and film with its count and the zip or the film, and ungrouped tasks as before', async () => {
    const page = await studio.newPage();
    await page.goto(`${studio.server.url}/tasks`);
    await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
    const single = await apiFrom(page, 'POST', '/api/tasks', { model: 'oracle', prompt: 'a cat jumps on the grass' });
    const batch = await apiFrom(page, 'POST', '/api/batches', {
      name: 'Crunchy Apple', product: { subject: 'a red apple' }, selling_points: ['100% organic'], templates: ['squish'], aspect_ratios: ['9:16', '1:1', '16:9'], count: 3, model: 'oracle',
    });
    const film = await apiFrom(page, 'POST', '/api/storyboards', {
      title: 'A fox at the seaside', subject: 'a red fox', model: 'oracle', shots: [{ prompt: 'moves left on the beach', duration: 2 }, { prompt: 'jumps on the grass', duration: 2 }],
    });
    expect([single.id, batch.id, film.id].every(Boolean)).toBe(true);

    // Opened while they run, the page follows the groups to done by itself.
    await page.goto(`${studio.server.url}/tasks`);
    const batchEntry = page.locator(`li.task-group[data-group-id="${batch.id}"]`);
    const filmEntry = page.locator(`li.task-group[data-group-id="${film.id}"]`);
    await batchEntry.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 60_000 });
    await filmEntry.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 60_000 });
    expect(await page.locator('li.task-group').count()).toBe(2);
    expect(await batchEntry.getByRole('link', { name: 'Crunchy Apple' }).getAttribute('href')).toBe(`/ads?id=${batch.id}`);
    expect(await batchEntry.getByText('Ad batch').count()).toBe(1);
    expect(await batchEntry.getByTestId('group-counts').textContent()).toBe('3 of 3 done');
    expect(await batchEntry.getByTestId('group-output').getAttribute('href')).toBe(`/api/batches/${batch.id}/zip`);
    expect(await batchEntry.getByTestId('group-output').textContent()).toMatch(/^Download zip \(\d+ KB\)$/);
    expect(await filmEntry.getByTestId('group-counts').textContent()).toBe('2 of 2 done');
    expect(await filmEntry.getByRole('link', { name: 'Watch the film' }).getAttribute('href')).toBe(`/storyboard?id=${film.id}`);
    await filmEntry.getByRole('img', { name: 'Title card of “A fox at the seaside”' }).waitFor();

    // The task of no group is listed on its own, as before; the children stay folded until asked for.
    const top = page.locator('section > ul.tasks > li.task');
    expect(await top.count()).toBe(1);
    expect(await top.getAttribute('data-task-id')).toBe(single.id);
    await top.getByRole('button', { name: 'Open' }).waitFor();
    expect(await batchEntry.locator('li.task').count()).toBe(0);
    await batchEntry.getByText('Its 3 clips').click();
    await expect.poll(() => batchEntry.locator('li.task[data-status="succeeded"]').count()).toBe(3);
    expect(await batchEntry.locator('li.task').first().getByRole('button', { name: 'Open' }).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/task-groups-01-tasks.png`, fullPage: true });

    // On a phone nothing is wider than the screen.
    await page.setViewportSize(MOBILE);
    expect(await sidewaysOverflow(page)).toBe(0);
    await page.screenshot({ path: `${SHOTS}/task-groups-02-tasks-phone.png`, fullPage: true });

    // My videos: the same two entries (the zip, the film) and the lone video as its own card.
    await page.goto(`${studio.server.url}/mine`);
    await page.locator('li.task-group').nth(1).waitFor();
    expect(await page.locator('li.task-group').count()).toBe(2);
    expect(await page.locator(`li.task-group[data-group-id="${batch.id}"]`).getByTestId('group-output').getAttribute('href')).toBe(`/api/batches/${batch.id}/zip`);
    expect(await page.locator(`li.task-group[data-group-id="${film.id}"]`).getByRole('link', { name: 'Watch the film' }).count()).toBe(1);
    const cards = page.locator('section > ul.video-grid > li.video-card');
    expect(await cards.count()).toBe(1);
    expect(await cards.getAttribute('data-video-id')).toBe(single.id);
    await page.locator(`li.task-group[data-group-id="${film.id}"]`).getByText('Its 2 clips').click();
    await expect.poll(() => page.locator(`li.task-group[data-group-id="${film.id}"] li.video-card`).count()).toBe(2);
    expect(await sidewaysOverflow(page)).toBe(0);
    await page.screenshot({ path: `${SHOTS}/task-groups-03-mine-phone.png`, fullPage: true });
  }, 120_000);
});
