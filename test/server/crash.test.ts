/**
 * The crash test: `kineo serve` as a child process, SIGKILLed mid-generation, restarted; the task completes and its
 * credits are charged once. Also `kineo keys create --json` and graceful shutdown on SIGTERM.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kineo } from '../cli-helpers.js';
import { call, TINY_MODEL, waitFor } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/kineo.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kineo-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function serve(configFile: string): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', join(dir, 'data'), '--port', '0', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kineo serve did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, exited });
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`kineo serve exited with ${code}: ${out}`)));
  });
}

describe('a crash mid-generation', () => {
  it('loses nothing: after SIGKILL and a restart the task completes and is charged once', async () => {
    const keys = kineo(['keys', 'create', '--name', 'crash', '--data', join(dir, 'data'), '--json']);
    expect(keys.status).toBe(0);
    const key = JSON.parse(keys.stdout) as { access_key: string; secret_key: string };
    expect(key.access_key).toMatch(/^ak_/);
    expect(key.secret_key).toMatch(/^sk_/);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      logLevel: 'info', builtin: { model: TINY_MODEL, preload: false }, workers: { builtin: 0, oracle: 1 }, oracle: { delayMs: 3000 },
      queue: { leaseMs: 1000, renewMs: 250, pollMs: 100 }, shutdownGraceS: 0, effects: { prerender: false },
    }));

    const first = await serve(config);
    const token = key.secret_key;
    const created = await call(first.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a cat bounces on the beach' } });
    expect(created.status).toBe(201);
    await waitFor(async () => {
      const r = await call(first.url, 'GET', `/api/tasks/${created.body.id}`, { token });
      return r.body.status === 'running' && r.body.progress > 5;
    }, 20_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await serve(config);
    const done = await waitFor(async () => {
      const r = await call(second.url, 'GET', `/api/tasks/${created.body.id}`, { token });
      return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
    }, 30_000, 100);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    const ledger = (await call(second.url, 'GET', '/api/ledger', { token })).body.data.filter((e: { task_id: string }) => e.task_id === created.body.id);
    expect(ledger.map((e: { kind: string }) => e.kind).sort()).toEqual(['capture', 'reserve']);
    expect((await call(second.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 99, reserved: 0, active_tasks: 0 });
    const video = await fetch(done.files.find((f: { kind: string }) => f.kind === 'video').url);
    expect(video.status).toBe(200);

    // Graceful shutdown: SIGTERM with a task running gives its lease back and exits 0.
    const again = await call(second.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a dog jumps in the snow' } });
    await waitFor(async () => (await call(second.url, 'GET', `/api/tasks/${again.body.id}`, { token })).body.status === 'running', 10_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const third = await serve(config);
    const finished = await waitFor(async () => {
      const r = await call(third.url, 'GET', `/api/tasks/${again.body.id}`, { token });
      return r.body.status === 'succeeded' ? r.body : undefined;
    }, 30_000, 100);
    expect(finished.attempts).toBe(1); // given back, not counted as a failed attempt
    third.child.kill('SIGTERM');
    await third.exited;
  }, 90_000);
});
