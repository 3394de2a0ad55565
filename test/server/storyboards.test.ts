/**
 * Storyboards end to end over real HTTP, real SQLite and real ffmpeg with the oracle provider: shots as child tasks
 * → one labelled film of the planned length; bad input refused before anything is made; credits all-or-nothing;
 * slots admit a storyboard as one submission; isolation between keys; cancel; a failed shot fails the storyboard;
 * assembly is idempotent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffprobePath } from '../../src/engine/ffmpeg.js';
import { assembleStoryboard } from '../../src/core/assembly/storyboard-assembly.js';
import { call, waitFor, type TestServer } from './helpers.js';
import { startServerPerTest } from './per-test.js';

const start = startServerPerTest();

const STORY = {
  title: 'The fox\'s day: 100% "real"',
  subject: 'a red fox',
  model: 'oracle',
  size: 128,
  seed: 7,
  shots: [
    { prompt: 'moves left on the beach', camera: 'pan_left', transition: 'crossfade' },
    { prompt: 'jumps on the grass', duration: 3, fill: 'pingpong', transition: 'wipe_left' },
    { prompt: 'spins in the snow.', duration: 1.5, camera: 'zoom_in', transition: 'fade_black' },
  ],
};

const post = (s: TestServer, token: string, json: unknown, headers?: Record<string, string>) => call(s.url, 'POST', '/api/storyboards', { token, json, headers });
const get = (s: TestServer, token: string, id: string) => call(s.url, 'GET', `/api/storyboards/${id}`, { token });
const finished = (s: TestServer, token: string, id: string) =>
  waitFor(async () => {
    const r = await get(s, token, id);
    return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) && r.body;
  }, 60_000);

function probe(bytes: Buffer) {
  const dir = mkdtempSync(join(tmpdir(), 'kineo-sb-probe-'));
  try {
    const path = join(dir, 'film.mp4');
    writeFileSync(path, bytes);
    const out = spawnSync(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
    return JSON.parse(out.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('storyboards', () => {
  it('turns three shots into one labelled film: title + shots − overlaps, at the asked size, credits captured once per clip', async () => {
    const s = await start();
    const token = s.key.secret_key;
    const t0 = Date.now();
    const created = await post(s, token, STORY);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'storyboard', status: 'queued', clips: 3, price: 3, seed: 7, model: 'oracle' });
    // 2 s title + 2 + 3 + 1.5 s of shots − two 0.5 s overlaps (crossfade, wipe); the dip to black costs nothing
    expect(created.body.film).toMatchObject({ frames: 16 + 16 + 24 + 12 - 4 - 4, seconds: 7.5, fps: 8, width: 128, height: 128 });
    expect(created.body.shots.map((x: { caption: string }) => x.caption)).toEqual([
      'a red fox moves left on the beach, the camera pans left',
      'a red fox jumps on the grass',
      'a red fox spins in the snow, the camera zooms in',
    ]);
    const done = await finished(s, token, created.body.id);
    const assembledMs = Date.now() - t0;
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, error: null });
    expect(done.shots.every((x: { status: string }) => x.status === 'succeeded')).toBe(true);
    expect(done.video).toMatchObject({ kind: 'video', content_type: 'video/mp4' });
    expect(done.meta.timings_ms.total).toBeGreaterThan(0);

    // Every shot is an ordinary task with the storyboard's one seed.
    for (const shot of done.shots) {
      const task = await call(s.url, 'GET', `/api/tasks/${shot.task_id}`, { token });
      expect(task.body).toMatchObject({ status: 'succeeded', params: { seed: 7, output_size: 128 } });
    }
    // The task list names each shot's storyboard and summarises the film once, with its link.
    const list = (await call(s.url, 'GET', '/api/tasks', { token })).body;
    expect(list.data.map((t: { group: { index: number } }) => t.group).sort((a: { index: number }, b: { index: number }) => a.index - b.index)).toEqual([0, 1, 2].map((index) => ({ kind: 'storyboard', id: done.id, index })));
    expect(list.groups).toMatchObject([{ kind: 'storyboard', id: done.id, title: STORY.title, status: 'succeeded', total: 3, succeeded: 3, failed: 0, output: { kind: 'film', url: done.video.url, poster_url: done.poster.url } }]);
    const ledger = (await call(s.url, 'GET', '/api/ledger?limit=500', { token })).body.data as { task_id: string; kind: string }[];
    for (const shot of done.shots) expect(ledger.filter((e) => e.task_id === shot.task_id).map((e) => e.kind).sort()).toEqual(['capture', 'reserve']);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 97, active_tasks: 0 });

    // The film downloads through its signed link and through the files API.
    const res = await fetch(done.video.url);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    const viaApi = await fetch(`${s.url}/api/files/${done.video.id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(Buffer.from(await viaApi.arrayBuffer()).equals(bytes)).toBe(true);
    const info = probe(bytes);
    const video = info.streams.find((x: { codec_type: string }) => x.codec_type === 'video');
    expect(video).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 128, height: 128, nb_read_frames: '60' });
    expect(Number(info.format.duration)).toBeCloseTo(7.5, 1);
    expect(info.format.tags).toMatchObject({ ai_generated: 'true', generator: 'kineo', title: STORY.title, seed: '7', request_id: done.id, shots: '3' });
    expect(info.format.tags.comment).toMatch(/^AI-generated video/);
    const poster = await fetch(done.poster.url);
    expect(Buffer.from(await poster.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    console.log(`3-shot storyboard at 128 px: created → film in ${assembledMs} ms (assembly ${JSON.stringify(done.meta.timings_ms)})`);

    // Running the assembly step again changes nothing.
    const { db } = s.kineo.database;
    const again = await assembleStoryboard(done.id, { db, files: s.kineo.context.files, owner: s.kineo.context.storyboards.owner });
    expect(again).toMatchObject({ status: 'succeeded' });
    const files = await call(s.url, 'GET', '/api/files', { token });
    expect(files.body.data.filter((f: { id: string }) => f.id === done.video.id)).toHaveLength(1);
    expect((await get(s, token, done.id)).body.video.id).toBe(done.video.id);
  });

  it('refuses bad storyboards with 400, a code, a sentence and the field, creating nothing', async () => {
    const s = await start({ workers: { oracle: 0 } });
    const token = s.key.secret_key;
    const shot = { prompt: 'jumps on the grass' };
    const base = { title: 'T', subject: 'a cat', model: 'oracle', shots: [shot] };
    const cases: [string, unknown, RegExp, string?][] = [
      ['no shots', { ...base, shots: [] }, /at least one shot/],
      ['too many shots', { ...base, shots: Array.from({ length: 13 }, () => shot) }, /at most 12 shots/],
      ['a camera move the model does not know', { ...base, shots: [{ ...shot, camera: 'dolly_in' }] }, /shots\.0\.camera.*pan_left/],
      ['an unknown transition', { ...base, shots: [{ ...shot, transition: 'spiral' }, shot] }, /shots\.0\.transition.*crossfade/],
      ['an empty subject', { ...base, subject: '   ' }, /subject is empty/, 'subject'],
      ['an empty title', { ...base, title: '' }, /title is empty/, 'title'],
      ['an empty shot prompt', { ...base, shots: [shot, { prompt: ' ' }] }, /shots\.1\.prompt is empty/, 'shots.1.prompt'],
      ['an unknown field', { ...base, music: 'epic' }, /unknown field "music"/],
      ['an unknown field in a shot', { ...base, shots: [{ ...shot, lens: '35mm' }] }, /unknown field "lens" in shots\.0/],
      ['a shot too short for its transitions', { ...base, shots: [{ ...shot, duration: 0.5 }] }, /shots\.0\.duration is 0\.5 s; a shot lasts 1–6 s/, 'shots.0.duration'],
      ['a shot longer than three clips', { ...base, shots: [{ ...shot, duration: 7 }] }, /1–6 s/],
      ['a crossfade out of the last shot', { ...base, shots: [{ ...shot, transition: 'crossfade' }] }, /last shot has no next shot/, 'shots.0.transition'],
      ['an unknown model', { ...base, model: 'sora' }, /unknown model "sora"/, 'model'],
      ['a size too large', { ...base, size: 2048 }, /size/],
    ];
    for (const [what, body, message, param] of cases) {
      const r = await post(s, token, body);
      expect(r.status, what).toBe(400);
      expect(r.body.error.code, what).toBe('invalid_request');
      expect(r.body.error.message, what).toMatch(message);
      if (param) expect(r.body.error.param, what).toBe(param);
    }
    expect((await call(s.url, 'GET', '/api/storyboards', { token })).body).toMatchObject({ data: [], has_more: false });
    expect((await call(s.url, 'GET', '/api/tasks', { token })).body.data).toEqual([]);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body.balance).toBe(100);
  });

  it('answers 402 up front when the key cannot pay for every shot, and makes nothing', async () => {
    const s = await start({ workers: { oracle: 0 } });
    const poor = await s.newKey(2);
    const r = await post(s, poor.secret_key, STORY);
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({ code: 'insufficient_credits', message: expect.stringContaining('costs 3 (3 clips at 1)') });
    expect((await call(s.url, 'GET', '/api/tasks', { token: poor.secret_key })).body.data).toEqual([]);
    expect((await call(s.url, 'GET', '/api/storyboards', { token: poor.secret_key })).body.data).toEqual([]);
    expect((await call(s.url, 'GET', '/api/balance', { token: poor.secret_key })).body).toMatchObject({ balance: 2, active_tasks: 0 });
    const estimate = await call(s.url, 'POST', '/api/storyboards/estimate', { token: poor.secret_key, json: STORY });
    expect(estimate.body).toMatchObject({ price: 3, balance: 2, affordable: false, clips: 3, clip_seconds: 2, min_shot_seconds: 1, max_shot_seconds: 6 });
  });

  it('admits a six-shot storyboard as one submission under a two-slot limit, then the key is busy until the shots finish', async () => {
    const s = await start({ workers: { oracle: 0 }, queue: { perKeyActive: 2 } });
    const token = s.key.secret_key;
    const six = { ...STORY, shots: Array.from({ length: 6 }, (_, i) => ({ prompt: 'bounces on the beach', transition: i === 5 ? 'cut' : 'crossfade' })) };
    const r = await post(s, token, six);
    expect(r.status).toBe(201);
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 94, active_tasks: 6 });
    const single = await call(s.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a cat' } });
    expect(single.status).toBe(429);
    expect((await post(s, token, STORY)).status).toBe(429);
    // Cancelling frees every slot and refunds every clip.
    expect((await call(s.url, 'POST', `/api/storyboards/${r.body.id}/cancel`, { token })).body.status).toBe('cancelled');
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 100, active_tasks: 0 });
  });

  it('keeps each key\'s storyboards to itself (404), and replays an Idempotency-Key', async () => {
    const s = await start({ workers: { oracle: 0 } });
    const token = s.key.secret_key;
    const other = (await s.newKey()).secret_key;
    const a = await post(s, token, STORY, { 'idempotency-key': 'sb-1' });
    const b = await post(s, token, STORY, { 'idempotency-key': 'sb-1' });
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body.id).toBe(a.body.id);
    expect((await post(s, token, { ...STORY, title: 'Other' }, { 'idempotency-key': 'sb-1' })).body.error.code).toBe('idempotency_key_reused');
    expect((await get(s, other, a.body.id)).status).toBe(404);
    expect((await call(s.url, 'POST', `/api/storyboards/${a.body.id}/cancel`, { token: other })).status).toBe(404);
    expect((await call(s.url, 'GET', '/api/storyboards', { token: other })).body.data).toEqual([]);
    expect((await call(s.url, 'GET', '/api/storyboards', { token })).body.data.map((x: { id: string }) => x.id)).toEqual([a.body.id]);
    expect((await call(s.url, 'GET', `/api/storyboards/${a.body.id}`)).status).toBe(401);
  });

  it('documents its routes and the shot schema (with the camera moves) in the OpenAPI document', async () => {
    const s = await start({ workers: { oracle: 0 } });
    const doc = await (await fetch(`${s.url}/openapi.json`)).json() as { paths: Record<string, unknown>; components: { schemas: Record<string, any> } };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/storyboards', '/api/storyboards/estimate', '/api/storyboards/{id}', '/api/storyboards/{id}/cancel']));
    expect(doc.components.schemas.StoryboardShot.properties.camera.enum).toEqual(['none', 'pan_left', 'pan_right', 'tilt_up', 'tilt_down', 'zoom_in', 'zoom_out']);
  });

  it('cancels a storyboard: its shots are cancelled and refunded, and no film is made', async () => {
    const s = await start({ oracle: { delayMs: 2000 } });
    const token = s.key.secret_key;
    const r = await post(s, token, STORY);
    await waitFor(async () => (await get(s, token, r.body.id)).body.status === 'running');
    const cancelled = await call(s.url, 'POST', `/api/storyboards/${r.body.id}/cancel`, { token });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' }, video: null });
    const final = await waitFor(async () => {
      const v = (await get(s, token, r.body.id)).body;
      return v.shots.every((x: { status: string }) => x.status === 'cancelled') && v;
    });
    expect(final.status).toBe('cancelled');
    expect((await call(s.url, 'GET', '/api/balance', { token })).body).toMatchObject({ balance: 100, active_tasks: 0 });
    // Cancelling again changes nothing.
    expect((await call(s.url, 'POST', `/api/storyboards/${r.body.id}/cancel`, { token })).body.status).toBe('cancelled');
  });

  it('fails the storyboard when a shot fails, says which, and reports words the model does not know', async () => {
    const s = await start();
    const token = s.key.secret_key;
    const body = { ...STORY, subject: 'a zorblax' };
    const estimate = await call(s.url, 'POST', '/api/storyboards/estimate', { token, json: body });
    expect(estimate.body.shots[0].unknown_words).toEqual(['zorblax']);
    const r = await post(s, token, body);
    expect(r.status).toBe(201);
    const done = await finished(s, token, r.body.id);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'shot_failed', message: expect.stringMatching(/^shot \d failed \(the oracle cannot draw/) }, video: null });
    expect(done.shots[0].unknown_words).toEqual(['zorblax']);
    // The other shots are cancelled and refunded; one still running (on a scale-out worker) stops at its next step.
    const balance = await waitFor(async () => {
      const b = (await call(s.url, 'GET', '/api/balance', { token })).body;
      return b.active_tasks === 0 ? b : undefined;
    }, 20_000);
    expect(balance).toMatchObject({ balance: 100, active_tasks: 0 });
  });
});
