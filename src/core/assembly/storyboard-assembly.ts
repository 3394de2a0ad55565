/**
 * The storyboard assembly step: every shot's clip → one film (src/media/film.ts), stored as the storyboard's files.
 * A plain function of its dependencies (the database, the files service, who holds the lease), so that it can run
 * in the server (embedded mode) or from the 'encode' queue in a `kineo worker` process (scale-out). Idempotent and safe to run twice:
 * it does nothing unless the storyboard is 'assembling' under this caller's lease; the film's files have fixed ids
 * (a second insert is a no-op); and the files and the 'succeeded' transition commit together only while the lease
 * is still this caller's, so a cancel or a lost lease during the encode leaves nothing behind but an orphan blob.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buildFilm } from '../../media/film.js';
import { generationMetadata } from '../../engine/outputs.js';
import type { Db } from '../db/database.js';
import { filesRepository } from '../repositories/files.repository.js';
import { storyboardsRepository, type StoryboardRow } from '../repositories/storyboards.repository.js';
import type { FilesService } from '../services/files.service.js';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';

/**
 * What the assembly reads of a storyboard's stored spec (the server plans the whole StoryboardSpec; this is the part
 * that makes the film, so the worker needs nothing of the server's planning).
 */
export interface FilmSpec {
  seed: number;
  fps: number;
  width: number;
  height: number;
  title_frames: number;
  transition_frames: number;
  shots: { frames: number; fill: 'loop' | 'pingpong' | 'hold'; transition: 'cut' | 'crossfade' | 'fade_black' | 'wipe_left' | 'wipe_right' }[];
}

export interface AssembleDeps {
  db: Db;
  files: FilesService;
  /** The assembly lease holder this run acts for (storyboards.assembly_owner). */
  owner: string;
  signal?: AbortSignal;
}

/** The fixed ids of a storyboard's film files. */
export const filmFileIds = (storyboardId: string) => {
  const hex = storyboardId.replace(/^story_/, '');
  return { video: `file_${hex}_film`, poster: `file_${hex}_film_poster` };
};

class LeaseLost extends Error {}

/** Builds and stores the film; returns the storyboard row as it stands afterwards (unchanged when there was nothing to do). */
export async function assembleStoryboard(storyboardId: string, deps: AssembleDeps): Promise<StoryboardRow | undefined> {
  const { db, files, owner } = deps;
  const row = await storyboardsRepository.byId(db, storyboardId);
  if (!row || row.status !== 'assembling' || row.assembly_owner !== owner) return row;
  const spec = JSON.parse(row.spec) as FilmSpec;
  const shots = await storyboardsRepository.shots(db, storyboardId);
  const notDone = shots.find((s) => s.status !== 'succeeded' || s.deleted_at !== null);
  if (notDone || shots.length !== spec.shots.length) throw new Error(`shot ${(notDone?.idx ?? 0) + 1} has no finished clip`);

  const dir = mkdtempSync(join(tmpdir(), 'kineo-storyboard-'));
  try {
    const clipPaths: string[] = [];
    for (const shot of shots) {
      const video = (await files.forTask(shot.task_id)).find((f) => f.kind === 'video');
      if (!video) throw new Error(`the clip of shot ${shot.idx + 1} (task ${shot.task_id}) is gone; was the task deleted?`);
      const path = join(dir, `shot-${shot.idx}.mp4`);
      await pipeline(await files.stream(video), createWriteStream(path));
      clipPaths.push(path);
    }
    const first = shots[0]?.meta ? (JSON.parse(shots[0].meta) as { model?: string; version?: string }) : {};
    const label = generationMetadata({ model: { name: first.model ?? row.model, version: first.version ?? '?' }, seed: spec.seed }, row.title, row.id);
    const film = await buildFilm({
      title: row.title, titleFrames: spec.title_frames, fps: spec.fps, width: spec.width, height: spec.height,
      transitionFrames: spec.transition_frames,
      shots: spec.shots.map((s, i) => ({ clipPath: clipPaths[i]!, frames: s.frames, fill: s.fill, transition: s.transition })),
      metadata: {
        ...label,
        comment: `AI-generated video: a storyboard of ${spec.shots.length} shots made by ${label.model} ${label.model_version} (Kineo), seed ${spec.seed}, request ${row.id}`,
        prompt: shots.map((s) => s.caption).join(' | '),
        subject: row.subject,
        shots: String(spec.shots.length),
      },
    }, deps.signal);

    const ids = filmFileIds(row.id);
    const now = Date.now();
    const outputs: { id: string; kind: string; data: Buffer; content_type: string; sha256: string }[] = [];
    for (const o of [
      { id: ids.video, kind: 'video', data: film.video, content_type: 'video/mp4' },
      { id: ids.poster, kind: 'poster', data: film.poster, content_type: 'image/png' },
    ]) outputs.push({ ...o, sha256: await files.blobs.put(o.data) });
    try {
      return await db.transaction().execute(async (trx) => {
        const done = await trx.updateTable('storyboards')
          .set({
            status: 'succeeded', completed_at: now, updated_at: now, assembly_owner: null, assembly_expires_at: null, error_message: null,
            meta: JSON.stringify({ frames: film.frames, seconds: film.seconds, timings_ms: film.timingsMs }),
          })
          .where('id', '=', row.id).where('status', '=', 'assembling').where('assembly_owner', '=', owner)
          .returningAll().executeTakeFirst();
        if (!done) throw new LeaseLost();
        for (const o of outputs) {
          await filesRepository.insert(trx, {
            id: o.id, key_id: row.key_id, task_id: row.id, kind: o.kind, sha256: o.sha256, content_type: o.content_type, bytes: o.data.byteLength, created_at: now,
          });
        }
        return done;
      });
    } catch (err) {
      if (err instanceof LeaseLost) return storyboardsRepository.byId(db, row.id); // cancelled, or another run took over
      throw err;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface AssemblyRunDeps {
  db: Db;
  config: Config;
  log: FastifyBaseLogger;
  files: FilesService;
  owner: string;
  /** Assemblies running in this process (cancel and shutdown abort them). */
  running: Map<string, AbortController>;
  /** True once this process is shutting down: an aborted run then hands its lease back. */
  stopping: () => boolean;
}

/**
 * One assembly run as a job: takes the storyboard's assembly lease (nothing to do when another process holds it or
 * the film exists), renews it while the film is made, and on failure retries with backoff up to queue.maxAttempts
 * before failing the storyboard. The embedded server runs it in process; a scale-out worker runs it for each job of
 * the 'encode' queue.
 */
export async function runStoryboardAssembly(id: string, deps: AssemblyRunDeps): Promise<void> {
  const { db, config, log, owner } = deps;
  const claimed = await storyboardsRepository.claimAssembly(db, id, owner, Date.now(), config.queue.leaseMs);
  if (!claimed) return;
  const fail = async (code: string, message: string) => {
    const now = Date.now();
    await storyboardsRepository.transition(db, id, ['assembling'], { status: 'failed', error_code: code, error_message: message, completed_at: now, updated_at: now, assembly_owner: null });
  };
  if (claimed.assembly_attempts > config.queue.maxAttempts) {
    return fail('assembly_failed', `the film was started ${claimed.assembly_attempts - 1} times and never finished: ${claimed.error_message ?? 'its assembler stopped each time'}`);
  }
  const controller = new AbortController();
  deps.running.set(id, controller);
  const renewal = setInterval(() => {
    storyboardsRepository.renewAssembly(db, id, owner, Date.now() + config.queue.leaseMs)
      .then((ours) => !ours && controller.abort(), (err) => log.warn({ err, storyboard: id }, 'assembly lease renewal failed'));
  }, config.queue.renewMs);
  renewal.unref();
  try {
    const done = await assembleStoryboard(id, { db, files: deps.files, owner, signal: controller.signal });
    if (done?.status === 'succeeded') log.info({ storyboard: id, meta: done.meta }, 'storyboard film made');
  } catch (err) {
    if (controller.signal.aborted) {
      // Cancelled, or the lease went to another process; at shutdown the lease is handed back for the next one.
      if (deps.stopping()) await storyboardsRepository.releaseAssembly(db, id, owner, Date.now(), 'the assembler stopped during assembly');
      return;
    }
    const attempt = claimed.assembly_attempts;
    const message = (err as Error).message;
    if (attempt < config.queue.maxAttempts && !/is gone|no finished clip/.test(message)) {
      log.error({ err, storyboard: id, attempt }, 'storyboard assembly failed; retrying');
      await storyboardsRepository.releaseAssembly(db, id, owner, Date.now() + 1000 * 2 ** (attempt - 1), `attempt ${attempt} failed: ${message}`);
    } else {
      log.error({ err, storyboard: id }, 'storyboard assembly failed for good');
      await fail('assembly_failed', `the film could not be made: ${message}`);
    }
  } finally {
    clearInterval(renewal);
    deps.running.delete(id);
  }
}
