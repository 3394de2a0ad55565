/**
 * Writes world clips as shards Python reads with numpy alone:
 *   meta.json                      sizes, vocabulary of every label head, the shard list
 *   shard-00000.u8                 raw uint8, shape (clips, frames, height, width, 3)
 *   shard-00000.jsonl              one {"caption", "labels", "seed", "split"} per clip, same order
 *   shard-00000.cov.u8             with `coverage`: the sprites' per-pixel coverage, uint8 (clips, frames, height, width)
 * Shards are rendered on worker threads and written atomically (temp file, then rename); a rerun with the same
 * arguments keeps finished shards, so an interrupted run resumes instead of starting over.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LABEL_VOCAB } from './vocabulary.js';
import type { Split } from './splits.js';

export const SHARD_FORMAT = 'kineo-world-shards/1';
export const WORLD_FPS = 8;

export interface DatasetOptions {
  split: Split;
  clips: number;
  /** Frame width and height (a square); `width` / `height` override it for another aspect. */
  size: number;
  width?: number;
  height?: number;
  frames: number;
  out: string;
  seed: number;
  shardSize?: number;
  workers?: number;
  /** Also write each shard's sprite coverage (`.cov.u8`), which training uses to weight the loss towards objects. */
  coverage?: boolean;
  onProgress?: (clipsDone: number) => void;
}

export interface ShardJob {
  shard: number;
  first: number;
  count: number;
  split: Split;
  seed: number;
  width: number;
  height: number;
  frames: number;
  coverage: boolean;
}
export type ShardResult = { kind: 'done'; shard: number; data: Uint8Array; lines: string[]; coverage?: Uint8Array };
type WorkerMessage = ShardResult | { kind: 'progress'; shard: number; rendered: number };

export interface DatasetSummary {
  clips: number;
  shards: number;
  seconds: number;
  clipsPerSecond: number;
  reusedShards: number;
}

/** Temp file, then rename: a reader never sees half a shard file. */
function writeAtomic(path: string, data: Uint8Array | string): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

const shardName = (i: number) => `shard-${String(i).padStart(5, '0')}`;

function heldoutDigest(): string {
  return createHash('sha256').update(readFileSync(new URL('./heldout.json', import.meta.url))).digest('hex');
}

export async function writeDataset(options: DatasetOptions): Promise<DatasetSummary> {
  const shardSize = options.shardSize ?? 500;
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), Math.ceil(options.clips / shardSize)));
  mkdirSync(options.out, { recursive: true });
  const coverage = options.coverage ?? false;
  const width = options.width ?? options.size;
  const height = options.height ?? options.size;
  const jobs: ShardJob[] = [];
  for (let first = 0, shard = 0; first < options.clips; first += shardSize, shard++) {
    jobs.push({ shard, first, count: Math.min(shardSize, options.clips - first), split: options.split, seed: options.seed, width, height, frames: options.frames, coverage });
  }
  // `coverage` and a non-square size join the identity only when set, so shards written before they existed are
  // still reused
  const square = width === height;
  const identity = { split: options.split, seed: options.seed, size: square ? width : undefined, frames: options.frames, shardSize,
    ...(square ? {} : { width, height }), ...(coverage ? { coverage } : {}) };
  const doneMarker = (job: ShardJob) => join(options.out, `${shardName(job.shard)}.done.json`);
  const isFinished = (job: ShardJob) => {
    if (!existsSync(doneMarker(job))) return false;
    const marker = JSON.parse(readFileSync(doneMarker(job), 'utf8'));
    return JSON.stringify(marker.identity) === JSON.stringify(identity) && marker.count === job.count;
  };
  const finished = new Set(jobs.filter(isFinished));
  const pending = jobs.filter((job) => !finished.has(job));
  const reusedShards = finished.size;
  let clipsDone = [...finished].reduce((n, job) => n + job.count, 0);
  const inFlight = new Map<number, number>();
  const started = performance.now();
  const renderedNow = () => clipsDone + [...inFlight.values()].reduce((a, b) => a + b, 0);

  await new Promise<void>((resolve, reject) => {
    const queue = [...pending];
    let running = 0;
    if (queue.length === 0) return resolve();
    const pool = Array.from({ length: Math.min(workers, queue.length) }, () => new Worker(new URL('./dataset-worker.mjs', import.meta.url)));
    const stopAll = () => pool.forEach((w) => void w.terminate());
    const feed = (worker: Worker) => {
      const job = queue.shift();
      if (!job) {
        void worker.terminate();
        if (running === 0) resolve();
        return;
      }
      running++;
      inFlight.set(job.shard, 0);
      worker.postMessage(job);
    };
    for (const worker of pool) {
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.kind === 'progress') {
          inFlight.set(msg.shard, msg.rendered);
          options.onProgress?.(renderedNow());
          return;
        }
        const job = jobs[msg.shard]!;
        const base = join(options.out, shardName(job.shard));
        writeAtomic(`${base}.u8`, msg.data);
        writeAtomic(`${base}.jsonl`, msg.lines.join('\n') + '\n');
        if (msg.coverage) writeAtomic(`${base}.cov.u8`, msg.coverage);
        writeFileSync(doneMarker(job), JSON.stringify({ identity, count: job.count }));
        inFlight.delete(job.shard);
        clipsDone += job.count;
        running--;
        options.onProgress?.(renderedNow());
        feed(worker);
      });
      worker.on('error', (err) => {
        stopAll();
        reject(err);
      });
      feed(worker);
    }
  });

  const seconds = (performance.now() - started) / 1000;
  const meta = {
    format: SHARD_FORMAT,
    split: options.split,
    seed: options.seed,
    frames: options.frames,
    height,
    width,
    channels: 3,
    fps: WORLD_FPS,
    clips: options.clips,
    heldout_sha256: heldoutDigest(),
    shards: jobs.map((job) => ({
      frames_file: `${shardName(job.shard)}.u8`,
      labels_file: `${shardName(job.shard)}.jsonl`,
      ...(coverage ? { coverage_file: `${shardName(job.shard)}.cov.u8` } : {}),
      clips: job.count,
    })),
    vocab: LABEL_VOCAB,
  };
  writeFileSync(join(options.out, 'meta.json'), JSON.stringify(meta, null, 1) + '\n');
  const renderedThisRun = pending.reduce((n, job) => n + job.count, 0);
  return { clips: options.clips, shards: jobs.length, seconds, clipsPerSecond: renderedThisRun / Math.max(seconds, 1e-9), reusedShards };
}
