/**
 * Chooses the held-out object × motion × background combinations once (12 %, seeded), making sure every
 * pair of (object, motion), (object, background) and (motion, background) still occurs in training.
 * Run only to create a new split: `npx tsx scripts/make-heldout.ts` — the result is data in the repo.
 */
import { writeFileSync } from 'node:fs';
import { createRng } from '../src/world/random.js';
import { BACKGROUNDS, MOTIONS, OBJECTS, comboKey } from '../src/world/vocabulary.js';

const FRACTION = 0.12;
const rng = createRng(20261129);
const combos = OBJECTS.flatMap((object) => MOTIONS.flatMap((motion) => BACKGROUNDS.map((background) => ({ object, motion, background }))));
for (let i = combos.length - 1; i > 0; i--) {
  const j = Math.floor(rng.next() * (i + 1));
  [combos[i], combos[j]] = [combos[j]!, combos[i]!];
}
const target = Math.ceil(combos.length * FRACTION);
const chosen: typeof combos = [];
const pairCount = new Map<string, number>();
const pairs = (c: (typeof combos)[number]) => [`om:${c.object}|${c.motion}`, `ob:${c.object}|${c.background}`, `mb:${c.motion}|${c.background}`];
for (const c of combos) for (const p of pairs(c)) pairCount.set(p, (pairCount.get(p) ?? 0) + 1);
for (const c of combos) {
  if (chosen.length >= target) break;
  // Keep at least two training combinations behind every pair.
  if (pairs(c).some((p) => pairCount.get(p)! <= 2)) continue;
  for (const p of pairs(c)) pairCount.set(p, pairCount.get(p)! - 1);
  chosen.push(c);
}
const keys = chosen.map(comboKey).sort();
writeFileSync(new URL('../src/world/heldout.json', import.meta.url), JSON.stringify({
  description: 'object|motion|background combinations that never appear in training data (seeded, 12 %)',
  seed: 20261129,
  fraction: keys.length / combos.length,
  total: combos.length,
  combos: keys,
}, null, 1) + '\n');
console.log(`held out ${keys.length} of ${combos.length} combinations`);
