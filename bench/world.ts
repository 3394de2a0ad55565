/**
 * World renderer throughput: clips/s of the dataset writer at 64×64×16 with 1 and 2 render threads, side by
 * side in one run (target: ≥ 300 clips/s on 2 cores).   npm run bench:world [-- --clips N] [-- --json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDataset } from '../src/world/dataset-writer.js';

const args = process.argv.slice(2);
const clips = Number(args[args.indexOf('--clips') + 1] ?? 0) || 3000;
const json = args.includes('--json');

const runs: { workers: number; clips: number; seconds: number; clipsPerSecond: number }[] = [];
for (const workers of [1, 2]) {
  const out = mkdtempSync(join(tmpdir(), 'kineo-bench-world-'));
  try {
    const summary = await writeDataset({ split: 'train', clips, size: 64, frames: 16, out, seed: 42, shardSize: 250, workers });
    runs.push({ workers, clips, seconds: summary.seconds, clipsPerSecond: summary.clipsPerSecond });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
const result = { size: '64x64x16', runs, scaling: runs[1]!.clipsPerSecond / runs[0]!.clipsPerSecond, target: 300 };
if (json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log('workers  clips  seconds  clips/s');
  for (const r of runs) console.log(`${String(r.workers).padStart(7)}  ${String(r.clips).padStart(5)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.clipsPerSecond.toFixed(0).padStart(7)}`);
  console.log(`2-thread / 1-thread: ${result.scaling.toFixed(2)}x; target ≥ ${result.target} clips/s at 2 threads`);
}
