import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allCombos, heldOutCombos, isHeldOut, sampleLabels } from './splits.js';
import { createRng } from './random.js';
import { writeDataset } from './dataset-writer.js';
import { comboKey } from './vocabulary.js';

describe('the held-out split', () => {
  it('holds out at least 10 % of object × motion × background combinations', () => {
    const all = new Set(allCombos());
    expect(heldOutCombos().length / all.size).toBeGreaterThanOrEqual(0.1);
    for (const key of heldOutCombos()) expect(all.has(key), key).toBe(true);
  });

  it('still shows every object with every motion, and every motion on every background, in training', () => {
    const held = new Set(heldOutCombos());
    const trainPairs = new Set<string>();
    for (const key of allCombos()) {
      if (held.has(key)) continue;
      const [o, m, b] = key.split('|');
      trainPairs.add(`om ${o} ${m}`).add(`ob ${o} ${b}`).add(`mb ${m} ${b}`);
    }
    for (const key of held) {
      const [o, m, b] = key.split('|');
      expect(trainPairs.has(`om ${o} ${m}`) && trainPairs.has(`ob ${o} ${b}`) && trainPairs.has(`mb ${m} ${b}`), key).toBe(true);
    }
  });

  it('samples only its own combinations in each split', () => {
    const rng = createRng(1);
    for (let i = 0; i < 3000; i++) expect(isHeldOut(sampleLabels(rng, 'train'))).toBe(false);
    for (let i = 0; i < 300; i++) expect(isHeldOut(sampleLabels(rng, 'heldout'))).toBe(true);
  });

  it('writes train shards that contain no held-out combination, readable as raw bytes + JSONL', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kineo-shards-'));
    try {
      const summary = await writeDataset({ split: 'train', clips: 240, size: 16, frames: 4, out, seed: 3, shardSize: 100, workers: 2 });
      expect(summary.shards).toBe(3);
      const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
      expect(meta).toMatchObject({ format: 'kineo-world-shards/1', clips: 240, frames: 4, height: 16, width: 16, channels: 3 });
      const held = new Set(heldOutCombos());
      let clips = 0;
      for (const shard of meta.shards) {
        const bytes = readFileSync(join(out, shard.frames_file));
        expect(bytes.length).toBe(shard.clips * 4 * 16 * 16 * 3);
        const lines = readFileSync(join(out, shard.labels_file), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        expect(lines).toHaveLength(shard.clips);
        for (const line of lines) expect(held.has(comboKey(line.labels)), line.caption).toBe(false);
        clips += lines.length;
      }
      expect(clips).toBe(240);
      // A rerun keeps finished shards instead of rendering them again.
      const again = await writeDataset({ split: 'train', clips: 240, size: 16, frames: 4, out, seed: 3, shardSize: 100, workers: 2 });
      expect(again.reusedShards).toBe(3);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
