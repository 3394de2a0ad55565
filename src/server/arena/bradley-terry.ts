/**
 * Bradley–Terry ratings from pairwise battles, as FastChat's arena computes them (STYLE.md): a logistic regression
 * with logit = ln 10 · (w_a − w_b), ratings 400·w + 1000 (so 400 points ≈ 10:1 odds), ties as half a win for each
 * side, a tiny L2 prior so that the ratings are identifiable (centred on 1000); bootstrap over battles → the median
 * as the rating and the 2.5 % / 97.5 % quantiles as the 95 % interval; rank = 1 + the number of models whose lower
 * bound is above this one's upper bound. Pure and seeded: the same battles and seed give the same table.
 */

export type Outcome = 'a' | 'b' | 'tie';

export interface Battle {
  a: string;
  b: string;
  outcome: Outcome;
}

export interface Rating {
  model: string;
  rating: number;
  lower: number;
  upper: number;
  rank: number;
  battles: number;
}

export interface FitOptions {
  /** L2 prior strength on w (natural units); tiny: it only pins the mean. */
  l2?: number;
  /** Newton iterations at most (it stops earlier once the step is below 1e-10). */
  iterations?: number;
}

export interface BootstrapOptions extends FitOptions {
  rounds?: number;
  seed?: number;
}

const LN10 = Math.log(10);
const SCALE = 400;
const INIT = 1000;

/** A small deterministic PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Solves H x = g (Gaussian elimination with partial pivoting; H is small and positive definite). */
function solve(h: number[][], g: number[]): number[] {
  const n = g.length;
  const m = h.map((row, i) => [...row, g[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / piv;
      if (f !== 0) for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/**
 * Fits ratings (400·w + 1000) for `models` from battles given as indices (a, b) and a's score (1, 0.5, 0).
 * Newton's method on the penalised log-likelihood; counts are aggregated per ordered pair first.
 */
function fitIndexed(k: number, a: Int32Array, b: Int32Array, score: Float64Array, weight: Float64Array | null, opts: FitOptions): number[] {
  const l2 = opts.l2 ?? 1e-6;
  const iterations = opts.iterations ?? 300;
  // n[i*k+j]: battles between i and j (symmetric); s[i*k+j]: i's total score against j.
  const n = new Float64Array(k * k);
  const s = new Float64Array(k * k);
  for (let t = 0; t < a.length; t++) {
    const w = weight ? weight[t]! : 1;
    if (w === 0) continue;
    const i = a[t]!;
    const j = b[t]!;
    n[i * k + j]! += w;
    n[j * k + i]! += w;
    s[i * k + j]! += w * score[t]!;
    s[j * k + i]! += w * (1 - score[t]!);
  }
  const w = new Array<number>(k).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(k).fill(0);
    const h = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < k; i++) {
      g[i] = l2 * w[i]!;
      h[i]![i] = l2;
      for (let j = 0; j < k; j++) {
        const nij = n[i * k + j]!;
        if (i === j || nij === 0) continue;
        const p = 1 / (1 + Math.exp(-LN10 * (w[i]! - w[j]!)));
        g[i]! += LN10 * (nij * p - s[i * k + j]!);
        const c = LN10 * LN10 * nij * p * (1 - p);
        h[i]![i]! += c;
        h[i]![j]! -= c;
      }
    }
    const step = solve(h, g);
    let biggest = 0;
    for (let i = 0; i < k; i++) {
      // A damped step keeps models that won (or lost) every battle from running off in one iteration.
      const d = Math.max(-1, Math.min(1, step[i]!));
      w[i]! -= d;
      biggest = Math.max(biggest, Math.abs(d));
    }
    if (biggest < 1e-10) break;
  }
  return w.map((x) => SCALE * x + INIT);
}

function indexBattles(models: readonly string[], battles: readonly Battle[]) {
  const index = new Map(models.map((m, i) => [m, i]));
  const kept = battles.filter((x) => index.has(x.a) && index.has(x.b) && x.a !== x.b);
  const a = new Int32Array(kept.length);
  const b = new Int32Array(kept.length);
  const score = new Float64Array(kept.length);
  kept.forEach((x, t) => {
    a[t] = index.get(x.a)!;
    b[t] = index.get(x.b)!;
    score[t] = x.outcome === 'a' ? 1 : x.outcome === 'b' ? 0 : 0.5;
  });
  return { a, b, score, count: kept.length };
}

/** One maximum-likelihood fit: each model's rating (no interval). */
export function fitBradleyTerry(models: readonly string[], battles: readonly Battle[], opts: FitOptions = {}): Map<string, number> {
  const { a, b, score } = indexBattles(models, battles);
  const r = fitIndexed(models.length, a, b, score, null, opts);
  return new Map(models.map((m, i) => [m, r[i]!]));
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return INIT;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The leaderboard: bootstrap medians, 95 % intervals, ranks and battle counts, best first. */
export function bootstrapRatings(models: readonly string[], battles: readonly Battle[], opts: BootstrapOptions = {}): Rating[] {
  const rounds = Math.max(1, opts.rounds ?? 200);
  const rng = mulberry32(opts.seed ?? 42);
  const k = models.length;
  const { a, b, score, count } = indexBattles(models, battles);
  const samples = Array.from({ length: k }, () => [] as number[]);
  const weight = new Float64Array(count);
  for (let r = 0; r < rounds; r++) {
    // A resample of the battles with replacement, as multiplicities.
    weight.fill(0);
    for (let t = 0; t < count; t++) weight[Math.floor(rng() * count)]! += 1;
    const fit = fitIndexed(k, a, b, score, weight, opts);
    for (let i = 0; i < k; i++) samples[i]!.push(fit[i]!);
  }
  const counts = new Array<number>(k).fill(0);
  for (let t = 0; t < count; t++) {
    counts[a[t]!]! += 1;
    counts[b[t]!]! += 1;
  }
  const rows = models.map((model, i) => {
    const sorted = samples[i]!.sort((x, y) => x - y);
    return { model, rating: quantile(sorted, 0.5), lower: quantile(sorted, 0.025), upper: quantile(sorted, 0.975), rank: 0, battles: counts[i]! };
  });
  for (const row of rows) row.rank = 1 + rows.filter((o) => o.lower > row.upper).length;
  return rows.sort((x, y) => x.rank - y.rank || y.rating - x.rating);
}
