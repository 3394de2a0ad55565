import { describe, expect, it } from 'vitest';
import { bootstrapRatings, fitBradleyTerry, mulberry32, type Battle } from './bradley-terry.js';

/** Votes drawn from known Bradley–Terry strengths (centred on 1000, so the L2 prior does not shift them). */
function simulate(truth: Record<string, number>, votes: number, seed: number): Battle[] {
  const rng = mulberry32(seed);
  const names = Object.keys(truth);
  const battles: Battle[] = [];
  while (battles.length < votes) {
    const a = names[Math.floor(rng() * names.length)]!;
    const b = names[Math.floor(rng() * names.length)]!;
    if (a === b) continue;
    const pA = 1 / (1 + 10 ** ((truth[b]! - truth[a]!) / 400));
    battles.push({ a, b, outcome: rng() < pA ? 'a' : 'b' });
  }
  return battles;
}

describe('Bradley–Terry ratings', () => {
  const truth = { strong: 1150, good: 1050, fair: 950, weak: 850 };

  it('recovers the true order from 2,000 simulated votes, with 95 % intervals that contain the true ratings', () => {
    const battles = simulate(truth, 2000, 7);
    const board = bootstrapRatings(Object.keys(truth), battles, { rounds: 200, seed: 1 });
    expect(board.map((r) => r.model)).toEqual(['strong', 'good', 'fair', 'weak']);
    expect(board.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    for (const r of board) {
      expect(r.lower).toBeLessThanOrEqual(truth[r.model as keyof typeof truth]);
      expect(r.upper).toBeGreaterThanOrEqual(truth[r.model as keyof typeof truth]);
      expect(r.battles).toBeGreaterThan(800);
    }
    // Printed for docs/arena.md.
    console.log(board.map((r) => `${r.model}: ${r.rating.toFixed(1)} [${r.lower.toFixed(1)}, ${r.upper.toFixed(1)}] rank ${r.rank}`).join('\n'));
  });

  it('is deterministic for a seed', () => {
    const battles = simulate(truth, 300, 3);
    expect(bootstrapRatings(Object.keys(truth), battles, { seed: 5 })).toEqual(bootstrapRatings(Object.keys(truth), battles, { seed: 5 }));
  });

  it('counts ties as half a win: two models that only tie share one rating', () => {
    const battles: Battle[] = Array.from({ length: 20 }, () => ({ a: 'x', b: 'y', outcome: 'tie' as const }));
    const fit = fitBradleyTerry(['x', 'y'], battles);
    expect(fit.get('x')).toBeCloseTo(1000, 6);
    expect(fit.get('y')).toBeCloseTo(1000, 6);
  });

  it('shares a rank when intervals overlap, and gives unplayed models the prior rating', () => {
    const battles: Battle[] = [{ a: 'x', b: 'y', outcome: 'a' }, { a: 'x', b: 'y', outcome: 'b' }];
    const board = bootstrapRatings(['x', 'y', 'idle'], battles, { rounds: 200 });
    expect(board.every((r) => r.rank === 1)).toBe(true);
    expect(board.find((r) => r.model === 'idle')).toMatchObject({ rating: 1000, battles: 0 });
  });
});
