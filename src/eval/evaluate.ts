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
import { clipFeature, frechetDistance } from './frechet.js';
import { coverageBoxes, laplacianEnergy, type Box } from './sharpness.js';

/** Frames of the oracle's clip given to the generator as conditions (image-to-video, first + last frame). */
export interface FrameInputs {
  first?: Clip;
  last?: Clip;
}

/** Which frames of the oracle's clip an evaluation gives the generator. */
export type InputMode = 'text' | 'first' | 'first-last';

/** Anything that turns a caption into a clip: the oracle, or a model through the engine. */
/** A long clip and where its denoising windows meet (frame indices of each later window's first frame). */
/** `full`: the clip at the size the generator drew it, when that is larger than the judge's (a 2x decoder's 128×128):
 * its sharpness is also measured there, against the oracle rendered at that size. */
export type LongClip = Clip & { seams?: number[]; full?: Clip };

export interface ClipGenerator {
  name: string;
  /** A clip of the caption at the judge's scale: 16 frames, or `frames` frames when asked (a long clip), 64×64, or
   * the aspect's size at that scale (ASPECT_SIZES) when one is asked. */
  generate(caption: string, seed: number, inputs?: FrameInputs, frames?: number, aspect?: string): Promise<LongClip>;
  /** The generator's own round trip of a picture (a model: its VAE's encode + decode), the bar for frames it is given. */
  roundTrip?(frame: Clip): Promise<Clip>;
}

export const JUDGE_CLIP = { frames: 16, height: 64, width: 64 };

/** Frame sizes at the judge's scale (the short side is the judge's 64 pixels). The world draws other aspects natively,
 * so the centre 64×64 of a 16:9 or 9:16 frame is what a 1:1 frame of the same scene shows: the judge scores that
 * square, and the oracle's square is the same crop of its own render. */
export const ASPECT_SIZES: Record<string, { width: number; height: number }> = {
  '1:1': { width: 64, height: 64 }, '16:9': { width: 112, height: 64 }, '9:16': { width: 64, height: 112 },
};

/** The world's own renderer as a generator: the caption is parsed and its ground truth drawn (another seed). */
export function oracleGenerator(size = JUDGE_CLIP): ClipGenerator {
  return {
    name: 'oracle',
    generate: async (caption, seed, _inputs, _frames, aspect) =>
      renderCaption(caption, hashSeed(seed, 0x6e), { ...size, ...ASPECT_SIZES[aspect ?? '1:1'] }).clip,
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
  /** With given frames: mean PSNR (dB) of the generated clip's first / last frame against the given picture, beside
   * the generator's round trip of that picture (the best it can do). */
  given_frames?: Record<'first' | 'last', { generated_psnr: number; roundtrip_psnr: number | null } | undefined>;
  /** Long clips: the judge's accuracy on the last 16 frames beside the first 16 (the main figures), and the mean
   * frame-to-frame change (mean absolute difference, 0–255) where windows meet beside inside a window. */
  long?: { seconds: number; first_window: Record<string, number>; last_window: Record<string, number>;
    last_over_first: Record<string, number>; seam_change: number; inside_change: number; seam_over_inside: number };
  /** Fréchet distance between the judge's clip features (mean over frames) of the generated clips and the oracle's
   * of the same captions (our FVD), beside its floor: the oracle against its own renders with other seeds. */
  frechet?: { generated: number; floor: number };
  /** High-frequency energy (mean squared Laplacian of luma) of generated against oracle clips: over whole frames,
   * and, when frames are given (the object starts where the oracle's does), inside the oracle's object boxes. */
  sharpness?: { frame: SharpnessScore; object?: SharpnessScore; output?: SharpnessScore & { size: string } };
  [extra: string]: unknown;
}

export interface SharpnessScore {
  generated: number;
  oracle: number;
  ratio: number;
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
  /** Frames of the oracle's clip given to the generator (default: text only). */
  inputs?: InputMode;
  /** Generate clips this long (seconds at 8 fps); the judge scores their first and their last 16 frames. */
  seconds?: number;
  /** Generate clips of this aspect ratio (ASPECT_SIZES); the judge scores their centre square. */
  aspect?: string;
  batchSize?: number;
  /** Also render each case's oracle with another seed and report the Fréchet distance with its floor (default on). */
  frechet?: boolean;
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
  const inputs = options.inputs ?? 'text';
  const psnr = { first: { gen: 0, rt: 0, n: 0 }, last: { gen: 0, rt: 0, n: 0 } };
  const longFrames = options.seconds ? options.seconds * 8 : undefined;
  const aspect = options.aspect ?? '1:1';
  const frameSize = ASPECT_SIZES[aspect];
  if (!frameSize) throw new Error(`aspect ${aspect}: the evaluation knows ${Object.keys(ASPECT_SIZES).join(', ')}`);
  const square = (clip: Clip) => (aspect === '1:1' ? clip : centreCrop(clip, JUDGE_CLIP.width, JUDGE_CLIP.height));
  const lastWindows: Clip[] = [];
  const change = { seam: 0, seams: 0, inside: 0, insides: 0 };
  const withFrechet = options.frechet !== false;
  const floorVerdicts: JudgeVerdict[] = [];
  const sharp = { gen: 0, ora: 0, genBox: 0, oraBox: 0, n: 0, nBox: 0, genOut: 0, oraOut: 0, nOut: 0, outSize: '' };
  const cropOffset = { x: Math.floor((frameSize.width - JUDGE_CLIP.width) / 2), y: Math.floor((frameSize.height - JUDGE_CLIP.height) / 2) };
  const squareBoxes = (clip: Clip): (Box | null)[] => coverageBoxes(clip).map((b) => {
    if (!b) return null;
    const box = { x0: b.x0 - cropOffset.x, y0: b.y0 - cropOffset.y, x1: Math.min(b.x1 - cropOffset.x, JUDGE_CLIP.width - 1), y1: Math.min(b.y1 - cropOffset.y, JUDGE_CLIP.height - 1) };
    return box.x1 < 0 || box.y1 < 0 || box.x0 >= JUDGE_CLIP.width || box.y0 >= JUDGE_CLIP.height ? null : { ...box, x0: Math.max(box.x0, 0), y0: Math.max(box.y0, 0) };
  });
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize);
    const generated: Clip[] = [];
    const oracleFull = batch.map((c) => renderLabels(c.labels, c.seed, { ...JUDGE_CLIP, ...frameSize }, { coverage: true }));
    const oracle = oracleFull.map(square);
    for (const [k, c] of batch.entries()) {
      const given: FrameInputs = {};
      if (inputs !== 'text') given.first = frameOf(oracleFull[k]!, 0);
      if (inputs === 'first-last') given.last = frameOf(oracleFull[k]!, oracleFull[k]!.frames - 1);
      let clip: LongClip = await generator.generate(c.caption, c.seed, inputs === 'text' ? undefined : given, longFrames, options.aspect);
      const full = clip.full;
      if (full && full.width > frameSize.width) {
        // the whole frame at the size it was drawn, its first 16 frames, against the world rendered at that size
        const drawnFull = framesOf(full, 0, Math.min(JUDGE_CLIP.frames, full.frames));
        const oracleAtSize = renderLabels(c.labels, c.seed, { frames: drawnFull.frames, height: full.height, width: full.width });
        sharp.genOut += laplacianEnergy(drawnFull);
        sharp.oraOut += laplacianEnergy(oracleAtSize);
        sharp.nOut++;
        sharp.outSize = `${full.width}x${full.height}`;
      }
      if (longFrames) {
        const long = clip as LongClip;
        const seams = new Set(long.seams ?? []);
        for (let f = 1; f < long.frames; f++) {
          const d = meanAbsDiff(long, f - 1, f);
          if (seams.has(f)) { change.seam += d; change.seams++; } else { change.inside += d; change.insides++; }
        }
        lastWindows.push(square(framesOf(long, long.frames - JUDGE_CLIP.frames, JUDGE_CLIP.frames)));
        clip = framesOf(long, 0, JUDGE_CLIP.frames);
      }
      for (const which of ['first', 'last'] as const) {
        const picture = given[which];
        if (!picture) continue;
        psnr[which].gen += framePsnr(frameOf(clip, which === 'first' ? 0 : clip.frames - 1), picture);
        psnr[which].rt += generator.roundTrip ? framePsnr(await generator.roundTrip(picture), picture) : NaN;
        psnr[which].n++;
      }
      clip = square(clip);
      const drawn = options.blur ? blurClip(clip, options.blur) : clip;
      generated.push(drawn);
      sharp.gen += laplacianEnergy(drawn);
      sharp.ora += laplacianEnergy(oracle[k]!);
      sharp.n++;
      if (inputs !== 'text') {
        const boxes = squareBoxes(oracleFull[k]!);
        const g = laplacianEnergy(drawn, boxes);
        const o = laplacianEnergy(oracle[k]!, boxes);
        if (Number.isFinite(g) && Number.isFinite(o)) { sharp.genBox += g; sharp.oraBox += o; sharp.nBox++; }
      }
    }
    generatedVerdicts.push(...(await judge.judge(generated)));
    oracleVerdicts.push(...(await judge.judge(oracle)));
    if (withFrechet) {
      floorVerdicts.push(...(await judge.judge(batch.map((c) => square(renderLabels(c.labels, hashSeed(c.seed, 0xf1), { ...JUDGE_CLIP, ...frameSize }))))));
    }
    generatedClips.push(...generated);
    oracleClips.push(...oracle);
    options.onProgress?.(Math.min(cases.length, start + batch.length));
  }
  const labels = cases.map((c) => c.labels);
  const gen = scoreVerdicts(generatedVerdicts, labels, generatedClips, heads);
  let long: EvalReport['long'];
  if (longFrames) {
    const lastVerdicts: JudgeVerdict[] = [];
    for (let s = 0; s < lastWindows.length; s += batchSize) lastVerdicts.push(...(await judge.judge(lastWindows.slice(s, s + batchSize))));
    const last = scoreVerdicts(lastVerdicts, labels, lastWindows, heads);
    const seam = change.seam / Math.max(change.seams, 1);
    const inside = change.inside / Math.max(change.insides, 1);
    long = {
      seconds: options.seconds!, first_window: gen.accuracy, last_window: last.accuracy,
      last_over_first: Object.fromEntries(heads.map((h) => [h, gen.accuracy[h]! > 0 ? last.accuracy[h]! / gen.accuracy[h]! : 0])),
      seam_change: seam, inside_change: inside, seam_over_inside: inside > 0 ? seam / inside : 0,
    };
  }
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
    ...(long ? { long } : {}),
    ...(withFrechet && cases.length >= 2 ? {
      frechet: {
        generated: frechetDistance(generatedVerdicts.map((v) => clipFeature(v.frameFeatures)), oracleVerdicts.map((v) => clipFeature(v.frameFeatures))),
        floor: frechetDistance(floorVerdicts.map((v) => clipFeature(v.frameFeatures)), oracleVerdicts.map((v) => clipFeature(v.frameFeatures))),
      },
    } : {}),
    sharpness: {
      frame: sharpnessScore(sharp.gen, sharp.ora),
      ...(sharp.nBox ? { object: sharpnessScore(sharp.genBox, sharp.oraBox) } : {}),
      ...(sharp.nOut ? { output: { ...sharpnessScore(sharp.genOut, sharp.oraOut), size: sharp.outSize } } : {}),
    },
    ...(inputs === 'text' ? {} : {
      given_frames: {
        first: psnrSummary(psnr.first),
        last: psnrSummary(psnr.last),
      },
    }),
  };
}

function sharpnessScore(generated: number, oracle: number): SharpnessScore {
  return { generated, oracle, ratio: oracle > 0 ? generated / oracle : 0 };
}

function psnrSummary(p: { gen: number; rt: number; n: number }) {
  if (!p.n) return undefined;
  return { generated_psnr: p.gen / p.n, roundtrip_psnr: Number.isNaN(p.rt) ? null : p.rt / p.n };
}

/** The centre width × height of every frame of a clip. */
export function centreCrop(clip: Clip, width: number, height: number): Clip {
  if (clip.width < width || clip.height < height) throw new Error(`cannot crop ${width}×${height} out of ${clip.width}×${clip.height}`);
  const x0 = Math.floor((clip.width - width) / 2);
  const y0 = Math.floor((clip.height - height) / 2);
  const data = new Uint8Array(clip.frames * height * width * 3);
  for (let f = 0; f < clip.frames; f++) {
    for (let y = 0; y < height; y++) {
      const from = ((f * clip.height + y0 + y) * clip.width + x0) * 3;
      data.set(clip.data.subarray(from, from + width * 3), ((f * height + y) * width) * 3);
    }
  }
  return { data, frames: clip.frames, height, width };
}

/** Frames [from, from + count) of a clip. */
export function framesOf(clip: Clip, from: number, count: number): Clip {
  const size = clip.height * clip.width * 3;
  return { data: clip.data.slice(from * size, (from + count) * size), frames: count, height: clip.height, width: clip.width };
}

/** Mean absolute difference (0–255) between frames a and b of a clip. */
function meanAbsDiff(clip: Clip, a: number, b: number): number {
  const size = clip.height * clip.width * 3;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += Math.abs(clip.data[a * size + i]! - clip.data[b * size + i]!);
  return sum / size;
}

/** Frame f of a clip as a one-frame clip. */
export function frameOf(clip: Clip, f: number): Clip {
  const size = clip.height * clip.width * 3;
  return { data: clip.data.slice(f * size, (f + 1) * size), frames: 1, height: clip.height, width: clip.width };
}

/** PSNR (dB, 8-bit) of two pictures of the same size; identical pictures give 100. */
export function framePsnr(a: Clip, b: Clip): number {
  if (a.data.length !== b.data.length) throw new Error(`PSNR of pictures of different sizes (${a.width}×${a.height} and ${b.width}×${b.height})`);
  let se = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i]! - b.data[i]!;
    se += d * d;
  }
  const mse = se / a.data.length;
  return mse === 0 ? 100 : 10 * Math.log10((255 * 255) / mse);
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
