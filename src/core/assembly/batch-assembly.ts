/**
 * The last step of an ad batch: every delivered clip rendered to its aspect ratio with its caption (burned in, or
 * as a .srt beside it), a manifest.csv, all zipped into one stored file. A plain handler that takes its
 * dependencies, so that it can run in the server (embedded mode) or on a 'batch' queue's worker (scale-out).
 *
 * Idempotent and safe to run twice, even at once: it acts only on a batch in 'assembling'; the zip's bytes depend on
 * the inputs alone (fixed entry times), its blob is content-addressed, its file record has a fixed id
 * (file_<batch>_zip, inserted once), and the final status is a guarded transition (assembling → done) that only
 * one run wins. A run that stops half-way (crash, shutdown, cancel) leaves the batch in 'assembling' to run again.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { aspectSlug, type AspectRatio } from '../../media/aspect.js';
import { srtFor } from '../../media/captions.js';
import { toCsv } from '../../media/csv.js';
import { renderVariant } from '../../media/variant.js';
import { zipEntries, type ZipEntry } from '../../media/zip.js';
import type { Db } from '../db/database.js';
import { batchesRepository, type BatchRow, type BatchVariantRow } from '../repositories/batches.repository.js';
import { filesRepository } from '../repositories/files.repository.js';

export interface AssemblyDeps {
  db: Db;
  /** Where clips are read from and the zip is written to (content-addressed). */
  blobs: { put(data: Uint8Array): Promise<string>; stream(sha256: string): Promise<Readable> };
  /** ffmpeg processes at once (default: the CPU count, at most 4). */
  concurrency?: number;
  signal?: AbortSignal;
}

export const zipFileIdOf = (batchId: string) => `file_${batchId.replace(/^batch_/, '')}_zip`;
export const MANIFEST_HEADER = ['file', 'template', 'aspect', 'seed', 'caption', 'task_id'] as const;

/** The name of a variant's video in the zip: 001_squish_9x16_seed42.mp4 (sorted like the manifest). */
export function variantFileName(v: Pick<BatchVariantRow, 'idx' | 'template' | 'aspect_ratio' | 'seed'>, count: number): string {
  const width = Math.max(3, String(count).length);
  return `${String(v.idx + 1).padStart(width, '0')}_${v.template}_${aspectSlug(v.aspect_ratio as AspectRatio)}_seed${v.seed}.mp4`;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

/** Assembles a batch in 'assembling'; returns the batch as it is afterwards (unchanged when there was nothing to do). */
export async function assembleBatch(deps: AssemblyDeps, batchId: string): Promise<BatchRow | undefined> {
  const { db } = deps;
  const batch = await batchesRepository.byId(db, batchId);
  if (!batch || batch.status !== 'assembling') return batch;
  const seconds = (taskParams: string | undefined) => Number((JSON.parse(taskParams ?? '{}') as { seconds?: string }).seconds ?? 2);
  const delivered = (await batchesRepository.variants(db, batchId)).filter((v) => v.status === 'succeeded');
  const dir = mkdtempSync(join(tmpdir(), 'kineo-batch-'));
  const entries = new Map<number, { video: ZipEntry; srt?: ZipEntry }>();
  const missing: BatchVariantRow[] = [];
  let done = 0;
  let lastWrite = 0;
  try {
    await mapLimit(delivered, deps.concurrency ?? Math.min(4, availableParallelism()), async (v) => {
      deps.signal?.throwIfAborted();
      const file = (await filesRepository.forTask(db, v.task_id)).find((f) => f.kind === 'video');
      if (!file) {
        missing.push(v); // deleted by its owner since it finished
        return;
      }
      const task = await db.selectFrom('tasks').select('params').where('id', '=', v.task_id).executeTakeFirst();
      const aspect = v.aspect_ratio as AspectRatio;
      const input = join(dir, `in-${v.idx}.mp4`);
      const output = join(dir, `out-${v.idx}.mp4`);
      await pipeline(await deps.blobs.stream(file.sha256), createWriteStream(input));
      await renderVariant({
        input, output, aspect, workDir: dir, name: `cap-${v.idx}`, signal: deps.signal,
        burnCaption: batch.captions === 'burned' ? v.caption : undefined,
        metadata: { ad_batch: batch.id, ad_caption: v.caption, aspect_ratio: aspect, template: v.template },
      });
      const name = variantFileName(v, batch.count);
      entries.set(v.idx, {
        video: { name, data: readFileSync(output) },
        ...(batch.captions === 'subtitles' ? { srt: { name: name.replace(/\.mp4$/, '.srt'), data: Buffer.from(srtFor(v.caption, aspect, seconds(task?.params))) } } : {}),
      });
      rmSync(input, { force: true });
      rmSync(output, { force: true });
      done++;
      if (Date.now() - lastWrite > 500 || done === delivered.length) {
        lastWrite = Date.now();
        await batchesRepository.update(db, batchId, { assembled: done, updated_at: lastWrite });
      }
    });
    deps.signal?.throwIfAborted();
    const kept = delivered.filter((v) => entries.has(v.idx));
    const rows = kept.map((v) => [entries.get(v.idx)!.video.name, v.template, v.aspect_ratio, v.seed, v.caption, v.task_id]);
    const zip = kept.length === 0 ? undefined : zipEntries([
      { name: 'manifest.csv', data: Buffer.from(toCsv(MANIFEST_HEADER, rows)) },
      ...kept.flatMap((v) => { const e = entries.get(v.idx)!; return e.srt ? [e.video, e.srt] : [e.video]; }),
    ], new Date(batch.created_at));
    const sha = zip && (await deps.blobs.put(zip));
    const now = Date.now();
    const status = kept.length === 0 ? 'failed' : kept.length === batch.count ? 'succeeded' : 'partially_failed';
    return await db.transaction().execute(async (trx) => {
      // The guarded transition first: a run that lost (another run finished, or the batch was cancelled) writes nothing.
      const row = await batchesRepository.transition(trx, batchId, ['assembling'], {
        status, zip_file_id: zip ? zipFileIdOf(batchId) : null, assembled: kept.length, updated_at: now, completed_at: now,
        ...(status === 'failed' ? { error_code: 'nothing_delivered', error_message: 'no variant was delivered' } : {}),
      });
      if (!row) return batchesRepository.byId(trx, batchId);
      for (const v of missing) {
        await trx.updateTable('batch_variants').set({ status: 'failed', error_code: 'output_missing', error_message: 'the video was deleted before the batch was assembled' })
          .where('batch_id', '=', batchId).where('idx', '=', v.idx).execute();
      }
      if (zip && sha) {
        await filesRepository.insert(trx, {
          id: zipFileIdOf(batchId), key_id: batch.key_id, task_id: null, kind: 'batch_zip', sha256: sha,
          content_type: 'application/zip', bytes: zip.byteLength, created_at: now,
        });
      }
      return row;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Marks a batch whose zip could not be made after its last run. */
export async function failAssembly(db: Db, batchId: string, err: unknown): Promise<void> {
  const now = Date.now();
  await batchesRepository.transition(db, batchId, ['assembling'], {
    status: 'failed', updated_at: now, completed_at: now, error_code: 'assembly_failed',
    error_message: `the videos were made but the zip could not be assembled: ${(err as Error).message.slice(0, 500)}`,
  });
}
