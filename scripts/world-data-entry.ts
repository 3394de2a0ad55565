/**
 * Entry of the self-contained renderer bundle (scripts/bundle-renderer.mjs): `node world-data.mjs --out DIR
 * [--split train] [--clips N] [--size 64] [--frames 16] [--seed 1] [--workers N] [--coverage]`. Same code as
 * `kineo world data`, without the CLI's other dependencies, so a machine with only a Node binary (a lent GPU
 * machine) renders exactly the frames this checkout renders.
 */
import { parseArgs } from 'node:util';
import { writeDataset } from '../src/world/dataset-writer.js';
import { SPLITS, type Split } from '../src/world/splits.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    split: { type: 'string', default: 'train' },
    clips: { type: 'string', default: '1000' },
    size: { type: 'string', default: '64' },
    frames: { type: 'string', default: '16' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string' },
    'shard-size': { type: 'string', default: '500' },
    coverage: { type: 'boolean', default: false },
  },
});
if (!values.out) throw new Error('--out DIR is required');
if (!(SPLITS as readonly string[]).includes(values.split!)) throw new Error(`--split must be one of ${SPLITS.join('|')}`);
const clips = Number(values.clips);
let last = 0;
const t0 = Date.now();
const summary = await writeDataset({
  out: values.out,
  split: values.split as Split,
  clips,
  size: Number(values.size),
  frames: Number(values.frames),
  seed: Number(values.seed),
  shardSize: Number(values['shard-size']),
  workers: values.workers ? Number(values.workers) : undefined,
  coverage: values.coverage,
  onProgress: (n) => {
    if (n - last >= clips / 10 || n === clips) {
      last = n;
      console.log(`[world] ${n}/${clips} clips, ${((n * 1000) / Math.max(1, Date.now() - t0)).toFixed(0)} clips/s`);
    }
  },
});
console.log(`[world] done: ${summary.clips} clips in ${summary.seconds.toFixed(1)} s (${summary.clipsPerSecond.toFixed(0)} clips/s)`);
