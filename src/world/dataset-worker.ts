/** Renders the clips of one shard on a worker thread and hands the bytes back without copying. */
import { parentPort } from 'node:worker_threads';
import { clipSeed, sampleClip } from './index.js';
import type { ShardJob, ShardResult } from './dataset-writer.js';

parentPort!.on('message', (job: ShardJob) => {
  const clipBytes = job.frames * job.height * job.width * 3;
  const data = new Uint8Array(job.count * clipBytes);
  const pixels = job.frames * job.height * job.width;
  const coverage = job.coverage ? new Uint8Array(job.count * pixels) : undefined;
  const lines: string[] = [];
  for (let k = 0; k < job.count; k++) {
    const seed = clipSeed(job.seed, job.first + k);
    const sample = sampleClip(job.split, seed, { frames: job.frames, height: job.height, width: job.width }, { coverage: job.coverage });
    data.set(sample.clip.data, k * clipBytes);
    if (coverage) coverage.set(sample.clip.coverage!, k * pixels);
    lines.push(JSON.stringify({ caption: sample.caption, labels: sample.labels, seed, split: job.split }));
    if ((k + 1) % 25 === 0) parentPort!.postMessage({ kind: 'progress', shard: job.shard, rendered: k + 1 });
  }
  const result: ShardResult = { kind: 'done', shard: job.shard, data, lines, coverage };
  parentPort!.postMessage(result, coverage ? [data.buffer, coverage.buffer] : [data.buffer]);
});
