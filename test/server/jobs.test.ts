/** Jobs: slots and the queue bound (429 + Retry-After), idempotency, credits exactly once, cancel, SSE, leases. */
import { describe, expect, it } from 'vitest';
import { call, waitFor, type TestServer } from './helpers.js';
import { startServerPerTest } from './per-test.js';

const start = startServerPerTest();
const create = (s: TestServer, token: string, json: Record<string, unknown>, headers?: Record<string, string>) =>
  call(s.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', ...json }, headers });
const ledger = async (s: TestServer, token: string, taskId: string) =>
  (await call(s.url, 'GET', '/api/ledger?limit=500', { token })).body.data.filter((e: { task_id: string }) => e.task_id === taskId).map((e: { kind: string }) => e.kind).sort();

describe('jobs', () => {
  it('answers 429 with Retry-After when a key has no free slot (Kling 1303), and frees the slot when a task ends', async () => {
    const s = await start({ workers: { oracle: 0 }, queue: { perKeyActive: 2 } });
    const token = s.key.secret_key;
    expect((await create(s, token, { prompt: 'a cat' })).status).toBe(201);
    expect((await create(s, token, { prompt: 'a dog' })).status).toBe(201);
    const third = await create(s, token, { prompt: 'a fox' });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(third.body.error).toMatchObject({ code: 'concurrency_limit', message: expect.stringContaining('retry after') });
    const kling = await call(s.url, 'POST', '/v1/videos/text2video', { token, json: { model_name: 'oracle', prompt: 'a fox' } });
    expect(kling).toMatchObject({ status: 429, body: { code: 1303 } });
    // another key is not affected
    expect((await create(s, (await s.newKey()).secret_key, { prompt: 'a fox' })).status).toBe(201);
    const list = await call(s.url, 'GET', '/api/tasks', { token });
    await call(s.url, 'POST', `/api/tasks/${list.body.data[0].id}/cancel`, { token });
    expect((await create(s, token, { prompt: 'a fox' })).status).toBe(201);
  });

  it('answers 429 queue_full with Retry-After when the global queue is full', async () => {
    const s = await start({ workers: { oracle: 0 }, queue: { maxQueued: 2 } });
    await create(s, s.key.secret_key, { prompt: 'a cat' });
    await create(s, (await s.newKey()).secret_key, { prompt: 'a dog' });
    const full = await create(s, (await s.newKey()).secret_key, { prompt: 'a fox' });
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(full.body.error.code).toBe('queue_full');
  });

  it('replays a create with the same Idempotency-Key and refuses the key with another body', async () => {
    const s = await start({ workers: { oracle: 0 } });
    const token = s.key.secret_key;
    const a = await create(s, token, { prompt: 'a cat' }, { 'idempotency-key': 'k-1' });
    const b = await create(s, token, { prompt: 'a cat' }, { 'idempotency-key': 'k-1' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const c = await create(s, token, { prompt: 'a dog' }, { 'idempotency-key': 'k-1' });
    expect(c).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });
    // concurrent duplicates make one task
    const many = await Promise.all(Array.from({ length: 5 }, () => create(s, token, { prompt: 'a ladybug' }, { 'idempotency-key': 'k-2' })));
    expect(new Set(many.map((r) => r.body.id)).size).toBe(1);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body.balance).toBe(98);
    // the same Idempotency-Key of another key is another request
    expect((await create(s, (await s.newKey()).secret_key, { prompt: 'a dog' }, { 'idempotency-key': 'k-1' })).status).toBe(201);
  });

  it('reserves credits on submit, captures them on success, answers 402 (Kling 1102) when empty', async () => {
    const s = await start({ credits: { pricePerClip: 2 } }, { credits: 3 });
    const token = s.key.secret_key;
    const a = await create(s, token, { prompt: 'a cat bounces' });
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 1, price_per_clip: 2 });
    const noMoney = await create(s, token, { prompt: 'a dog' });
    expect(noMoney).toMatchObject({ status: 402, body: { error: { code: 'insufficient_credits' } } });
    expect(await call(s.url, 'POST', '/v1/videos/text2video', { token, json: { model_name: 'oracle', prompt: 'x' } })).toMatchObject({ status: 402, body: { code: 1102 } });
    await waitFor(async () => (await call(s.url, 'GET', `/api/tasks/${a.body.id}`, { token })).body.status === 'succeeded');
    expect(await ledger(s, token, a.body.id)).toEqual(['capture', 'reserve']);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 1, reserved: 0 });
  });

  it('cancels a running generation through its AbortSignal and releases the credits once', async () => {
    const s = await start({ inputs: { maxSteps: 1000 } }); // above the default cap, so the run lasts until the cancel
    const token = s.key.secret_key;
    // The real engine on the tiny model, with many steps so that it is still running when the cancel arrives.
    const t = await create(s, token, { model: undefined, prompt: 'a cat spins', steps: 1000 });
    await waitFor(async () => {
      const r = await call(s.url, 'GET', `/api/tasks/${t.body.id}`, { token });
      return r.body.status === 'running' && r.body.snapshot?.phase === 'denoise';
    });
    const cancel = await call(s.url, 'POST', `/api/tasks/${t.body.id}/cancel`, { token });
    expect(cancel.status).toBe(200);
    const done = await waitFor(async () => {
      const r = await call(s.url, 'GET', `/api/tasks/${t.body.id}`, { token });
      return r.body.status === 'cancelled' ? r.body : undefined;
    }, 10_000);
    expect(done.error.code).toBe('cancelled');
    expect(done.snapshot.step).toBeLessThan(1000);
    expect(await ledger(s, token, t.body.id)).toEqual(['release', 'reserve']);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body.balance).toBe(100);
    // a second cancel changes nothing
    await call(s.url, 'POST', `/api/tasks/${t.body.id}/cancel`, { token });
    expect(await ledger(s, token, t.body.id)).toEqual(['release', 'reserve']);
  });

  it('streams complete progress snapshots over SSE, at most 5 per second, with a preview PNG', async () => {
    const s = await start({ oracle: { delayMs: 1500 } });
    const token = s.key.secret_key;
    const t = await create(s, token, { prompt: 'a cat walks right in the forest' });
    const res = await fetch(`${s.url}/api/tasks/${t.body.id}/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events: { event: string; data: any; at: number }[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data), at: Date.now() });
      }
    }
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded', progress: 100 } });
    const progress = events.filter((e) => e.event === 'progress' && e.data.status === 'running' && e.data.step);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.every((e) => e.data.id === t.body.id && typeof e.data.of === 'number' && typeof e.data.phase === 'string')).toBe(true);
    expect(progress.some((e) => /^data:image\/png;base64,/.test(e.data.preview ?? ''))).toBe(true);
    // ≤ 5 per second: every event but the final one left the server ≥ 200 ms after the one before it
    for (let i = 1; i < events.length - 1; i++) expect(events[i]!.data.sent_at - events[i - 1]!.data.sent_at).toBeGreaterThanOrEqual(195);
    const percents = progress.map((e) => e.data.progress);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
  });

  it('takes a task again when its worker\'s lease expires, and charges it once', async () => {
    const first = await start({ workers: { oracle: 0 }, queue: { leaseMs: 300 } }, { keep: true });
    const token = first.key.secret_key;
    const t = await create(first, token, { prompt: 'a cat jumps' });
    // A worker takes the task and dies without renewing its lease.
    const claimed = await first.kineo.lifecycle.claim('oracle', 'dead-worker');
    expect(claimed?.task.id).toBe(t.body.id);
    await first.stop();
    const second = await start({ workers: { oracle: 1 }, queue: { leaseMs: 300 } }, { dataDir: first.dataDir, backends: first.backends });
    const done = await waitFor(async () => {
      const r = await call(second.url, 'GET', `/api/tasks/${t.body.id}`, { token });
      return r.body.status === 'succeeded' ? r.body : undefined;
    });
    expect(done.attempts).toBe(2);
    expect(await ledger(second, token, t.body.id)).toEqual(['capture', 'reserve']);
    expect((await call(second.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 99, active_tasks: 0 });
  });
});
