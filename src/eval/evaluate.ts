/**
 * Scores a generator against the oracle: for each case, the generator's clip of the caption and the oracle's
 * render of the labels are both judged; per head we report the judge's accuracy on each and their ratio.
 */
import type { Clip } from '../world/render.js';
import { renderCaption, renderLabels } from '../world/index.js';
import { hashSeed } from '../world/random.js';
import type { ClipLabels } from '../world/vocabulary.js';
import type { EvalCase } from './cases.js';
import type { Judge, JudgeVerdict } from './judge.js';
import { blurClip } from './resample.js';
import { flicker, temporalConsistency } from './metrics.js';

/** Anything that turns a caption into a clip: the oracle, or a model through the engine. */
export interface ClipGenerator {
  name: string;
  generate(caption: string, seed: number): Promise<Clip>;
}

export const JUDGE_CLIP = { frames: 16, height: 64, width: 64 };

/** The world's own renderer as a generator: the caption is parsed and its ground truth drawn (another seed). */
export function oracleGenerator(size = JUDGE_CLIP): ClipGenerator {
  return {
    name: 'oracle',
    generate: async (caption, seed) => renderCaption(caption, hashSeed(seed, 0x6e), size).clip,
  };
}

export interface HeadScore {
  generated: number;
  oracle: number;
  ratio: number;
}

/** Per head, per true class: how many cases asked for it and the judge's accuracy on each side. */
export interface ClassScore {
  n: number;
  generated: number;
  oracle: number;
  /** The judge's most frequent wrong reading of the generated clips of this class, when there is one. */
  mistaken_for?: string;
}

/** head -> true class -> what the judge read -> count. */
export type Confusion = Record<string, Record<string, Record<string, number>>>;

export interface EvalReport {
  n: number;
  generator: string;
  accuracy: Record<string, HeadScore>;
  /** Accuracy broken down by the asked class (which motions, objects, … the generator misses). */
  by_class: Record<string, Record<string, ClassScore>>;
  temporal_consistency: { generated: number; oracle: number };
  flicker: { generated: number; oracle: number };
  [extra: string]: unknown;
}

export interface ClipScores {
  accuracy: Record<string, number>;
  confusion: Confusion;
  temporalConsistency: number;
  flicker: number;
}

/** How well the judge's verdicts match the labels, head by head (the judge can fail: wrong labels score low). */
export function scoreVerdicts(verdicts: JudgeVerdict[], labels: ClipLabels[], clips: Clip[], heads: string[]): ClipScores {
  const correct: Record<string, number> = Object.fromEntries(heads.map((h) => [h, 0]));
  const confusion: Confusion = Object.fromEntries(heads.map((h) => [h, {}]));
  let tc = 0;
  let fl = 0;
  verdicts.forEach((verdict, i) => {
    const truth = labels[i]! as unknown as Record<string, string | number>;
    for (const head of heads) {
      const asked = String(truth[head]);
      const read = verdict.predictions[head] ?? '';
      if (read === asked) correct[head]!++;
      const row = (confusion[head]![asked] ??= {});
      row[read] = (row[read] ?? 0) + 1;
    }
    tc += temporalConsistency(verdict.frameFeatures);
    fl += flicker(clips[i]!);
  });
  const n = Math.max(verdicts.length, 1);
  return {
    accuracy: Object.fromEntries(heads.map((h) => [h, correct[h]! / n])),
    confusion,
    temporalConsistency: tc / n,
    flicker: fl / n,
  };
}

export interface EvaluateOptions {
  cases: EvalCase[];
  generator: ClipGenerator;
  judge: Judge;
  /** Gaussian blur σ (px at the generated size) applied to generated clips — a robustness check. */
  blur?: number;
  batchSize?: number;
  onProgress?: (done: number) => void;
}

export async function evaluate(options: EvaluateOptions): Promise<EvalReport> {
  const { cases, generator, judge } = options;
  const batchSize = options.batchSize ?? 32;
  const heads = judge.heads;
  const generatedClips: Clip[] = [];
  const oracleClips: Clip[] = [];
  const generatedVerdicts: JudgeVerdict[] = [];
  const oracleVerdicts: JudgeVerdict[] = [];
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize);
    const generated: Clip[] = [];
    for (const c of batch) {
      const clip = await generator.generate(c.caption, c.seed);
      generated.push(options.blur ? blurClip(clip, options.blur) : clip);
    }
    const oracle = batch.map((c) => renderLabels(c.labels, c.seed, JUDGE_CLIP));
    generatedVerdicts.push(...(await judge.judge(generated)));
    oracleVerdicts.push(...(await judge.judge(oracle)));
    generatedClips.push(...generated);
    oracleClips.push(...oracle);
    options.onProgress?.(Math.min(cases.length, start + batch.length));
  }
  const labels = cases.map((c) => c.labels);
  const gen = scoreVerdicts(generatedVerdicts, labels, generatedClips, heads);
  const ora = scoreVerdicts(oracleVerdicts, labels, oracleClips, heads);
  const accuracy = Object.fromEntries(heads.map((h) => [h, {
    generated: gen.accuracy[h]!,
    oracle: ora.accuracy[h]!,
    ratio: ora.accuracy[h]! > 0 ? gen.accuracy[h]! / ora.accuracy[h]! : 0,
  }]));
  return {
    n: cases.length,
    generator: generator.name,
    accuracy,
    by_class: Object.fromEntries(heads.map((h) => [h, classScores(gen.confusion[h]!, ora.confusion[h]!)])),
    temporal_consistency: { generated: gen.temporalConsistency, oracle: ora.temporalConsistency },
    flicker: { generated: gen.flicker, oracle: ora.flicker },
  };
}

/** Per asked class: its count, the fraction read right in the generated and in the oracle clips, and the commonest
 * wrong reading of the generated ones. */
export function classScores(generated: Record<string, Record<string, number>>, oracle: Record<string, Record<string, number>>): Record<string, ClassScore> {
  const out: Record<string, ClassScore> = {};
  for (const asked of Object.keys(generated).sort()) {
    const row = generated[asked]!;
    const n = Object.values(row).reduce((a, b) => a + b, 0);
    const oracleRow = oracle[asked] ?? {};
    const oracleN = Object.values(oracleRow).reduce((a, b) => a + b, 0);
    const wrong = Object.entries(row).filter(([read]) => read !== asked).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    out[asked] = {
      n,
      generated: (row[asked] ?? 0) / Math.max(n, 1),
      oracle: (oracleRow[asked] ?? 0) / Math.max(oracleN, 1),
      ...(wrong.length ? { mistaken_for: wrong[0]![0] } : {}),
    };
  }
  return out;
}
