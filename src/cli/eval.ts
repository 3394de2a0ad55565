/** `kineo eval`: score a generator (the oracle, or a model directory) with the judge against the oracle. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { casesFromFile, casesFromSplit } from '../eval/cases.js';
import { casesFromPhrasings, heldoutPhrasings, PHRASING_SETS, readingAgreement } from '../eval/phrasings.js';
import { ASPECT_SIZES, evaluate, JUDGE_CLIP, oracleGenerator, type ClipGenerator, type EvalReport, type InputMode } from '../eval/evaluate.js';
import { DEFAULT_JUDGE_DIR, Judge } from '../eval/judge.js';
import { resampleClip } from '../eval/resample.js';
import { resolveModel } from '../engine/models.js';
import { KineoPipeline, SCHEDULERS } from '../engine/pipeline.js';
import type { SchedulerName } from '../engine/manifest.js';
import type { Clip } from '../world/render.js';
import { createProgress } from './progress.js';
import { CAMERA_MOVES, evaluatePhotos, findPictures, formatPhotoReport } from '../eval/photos.js';
import type { CameraMove } from '../eval/phase-correlation.js';
import { choiceOption, intOption, numberOption } from './options.js';

const REPORT_HEADS = ['object', 'motion', 'background', 'count', 'effect', 'camera', 'object2', 'speed'];

export interface SamplerSettings {
  steps?: number;
  cfg?: number;
  shift?: number;
  scheduler?: SchedulerName;
  threads?: number;
  contextNoise?: number;
  /** false: the engine encodes prompts as written, without the normaliser (world/normalise.ts). */
  normalise?: boolean;
}

/** The oracle, or a model (installed name or directory) run through the engine, its clips at the judge's size. */
export async function generatorFor(spec: string, settings: SamplerSettings = {}): Promise<ClipGenerator> {
  if (spec === 'oracle') return oracleGenerator();
  const pipeline = await KineoPipeline.load(resolveModel(spec), { threads: settings.threads });
  const { name, version } = pipeline.manifest;
  const { video } = pipeline.manifest;
  const toModel = (frame: Clip, aspect?: string) => {
    const size = aspect ? pipeline.sizeOf(aspect) : video;
    const r = resampleClip(frame, 1, size.height, size.width);
    return { width: r.width, height: r.height, data: r.data };
  };
  return {
    name: `${name}@${version}`,
    generate: async (caption, seed, inputs, frames, aspect) => {
      const clip = await pipeline.generate({
        prompt: caption, seed, steps: settings.steps, guidance: settings.cfg, shift: settings.shift, scheduler: settings.scheduler,
        contextNoise: settings.contextNoise, normalise: settings.normalise, image: inputs?.first && toModel(inputs.first, aspect), lastImage: inputs?.last && toModel(inputs.last, aspect), frames, aspect,
      });
      // a long clip keeps its frames (the model draws at the judge's 8 fps); only its size is brought to the judge's
      const size = ASPECT_SIZES[aspect ?? '1:1']!;
      const judged = resampleClip(clip, frames ?? JUDGE_CLIP.frames, size.height, size.width);
      return { ...judged, seams: clip.seams, ...(clip.width > size.width ? { full: clip } : {}) };
    },
    roundTrip: pipeline.capabilities.image
      ? async (frame) => {
        const aspect = Object.keys(ASPECT_SIZES).find((a) => ASPECT_SIZES[a]!.width === frame.width && ASPECT_SIZES[a]!.height === frame.height);
        return resampleClip(await pipeline.roundTrip(toModel(frame, aspect)), 1, frame.height, frame.width);
      }
      : undefined,
  };
}

export function formatReport(report: EvalReport): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`.padStart(7);
  const rows = REPORT_HEADS.filter((h) => report.accuracy[h]).map((h) => {
    const s = report.accuracy[h]!;
    return `${h.padEnd(12)}${pct(s.generated)}  ${pct(s.oracle)}  ${s.ratio.toFixed(3).padStart(6)}`;
  });
  return [
    `n = ${report.n}, generator = ${report.generator}`,
    `${'head'.padEnd(12)}${'generated'.padStart(7)}  ${'oracle'.padStart(7)}  ${'ratio'.padStart(6)}`,
    ...rows,
    `${'temporal'.padEnd(12)}${report.temporal_consistency.generated.toFixed(3).padStart(7)}  ${report.temporal_consistency.oracle.toFixed(3).padStart(7)}`,
    `${'flicker'.padEnd(12)}${report.flicker.generated.toFixed(4).padStart(7)}  ${report.flicker.oracle.toFixed(4).padStart(7)}`,
    ...(report.frechet ? [`${'Fréchet'.padEnd(12)}${report.frechet.generated.toFixed(2).padStart(7)}  ${report.frechet.floor.toFixed(2).padStart(7)}  (judge features; oracle column: the oracle against other seeds, the floor)`] : []),
    ...(report.sharpness ? [`${'sharpness'.padEnd(12)}${report.sharpness.frame.generated.toFixed(1).padStart(7)}  ${report.sharpness.frame.oracle.toFixed(1).padStart(7)}  ${report.sharpness.frame.ratio.toFixed(3).padStart(6)}  (mean squared Laplacian of luma, whole frames${report.sharpness.object ? `; inside the object's box: ${report.sharpness.object.ratio.toFixed(3)}` : ''}${report.sharpness.output ? `; at the drawn size ${report.sharpness.output.size}: ${report.sharpness.output.ratio.toFixed(3)}` : ''})`] : []),
    ...Object.entries(report.given_frames ?? {}).filter(([, p]) => p).map(([which, p]) =>
      `${`${which} frame`.padEnd(12)}${p!.generated_psnr.toFixed(2).padStart(7)} dB PSNR to the given picture (the VAE's round trip: ${p!.roundtrip_psnr === null ? 'n/a' : `${p!.roundtrip_psnr.toFixed(2)} dB`})`),
    ...(report.long ? [
      `${report.long.seconds} s clips: last 16 frames / first 16 frames, per head: ${REPORT_HEADS.filter((h) => h in report.long!.last_over_first).map((h) => `${h} ${(100 * report.long!.last_window[h]!).toFixed(1)}% / ${(100 * report.long!.first_window[h]!).toFixed(1)}%`).join(', ')}`,
      `frame-to-frame change where windows meet ${report.long.seam_change.toFixed(2)}, inside a window ${report.long.inside_change.toFixed(2)} (ratio ${report.long.seam_over_inside.toFixed(3)})`,
    ] : []),
  ].join('\n');
}

/** One head's per-class table (the CLI checked the head exists): asked class, cases, generated and oracle accuracy,
 * commonest wrong reading. */
export function formatByClass(report: EvalReport, head: string): string {
  const classes = report.by_class[head]!;
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`.padStart(7);
  return [
    `${head.padEnd(12)}${'n'.padStart(4)}  ${'generated'.padStart(9)}  ${'oracle'.padStart(7)}  mistaken for`,
    ...Object.entries(classes).map(([name, s]) =>
      `${name.padEnd(12)}${String(s.n).padStart(4)}  ${pct(s.generated).padStart(9)}  ${pct(s.oracle)}  ${s.mistaken_for ?? ''}`),
  ].join('\n');
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval-photos <paths...>')
    .description('image-to-video on pictures the world never drew (e.g. apt install mate-backgrounds; /usr/share/backgrounds): frame 0 against the VAE round trip, and the asked camera move measured by phase correlation')
    .option('--generator <model>', 'an installed model name or a model directory', 'kineo-mini')
    .option('--aspect <ratio>', 'aspect to draw (pictures are centre-cropped to it)', '1:1')
    .option('--moves <list>', `camera moves to ask for, comma-separated: ${CAMERA_MOVES.join(',')}`, CAMERA_MOVES.join(','))
    .option('--steps <n>', 'denoising steps (default: the model\'s)', intOption(1, 1000))
    .option('--seed <n>', 'seed of the first clip', intOption(0, 2 ** 31 - 1), 1)
    .option('--threads <n>', 'onnxruntime threads', intOption(1, 256), 2)
    .option('--json <file>', 'also write the report (every clip\'s figures) as JSON')
    .action(async (paths: string[], opts) => {
      const moves = String(opts.moves).split(',').map((m) => m.trim()).filter(Boolean);
      const unknown = moves.filter((m) => !(CAMERA_MOVES as readonly string[]).includes(m));
      if (unknown.length || !moves.length) throw new Error(`--moves: ${unknown.join(', ') || 'none given'}; choose from ${CAMERA_MOVES.join(', ')}`);
      const pictures = findPictures(paths);
      if (!pictures.length) throw new Error(`no PNG, JPEG or WebP files under ${paths.join(', ')}`);
      const pipeline = await KineoPipeline.load(resolveModel(opts.generator), { threads: opts.threads });
      if (!pipeline.capabilities.image) throw new Error(`${pipeline.manifest.name}@${pipeline.manifest.version} takes no pictures`);
      if (!pipeline.capabilities.aspects.includes(opts.aspect)) throw new Error(`--aspect ${opts.aspect}: the model draws ${pipeline.capabilities.aspects.join(', ')}`);
      const progress = createProgress('eval-photos', pictures.length * moves.length, 'clips');
      const report = await evaluatePhotos({ pipeline, pictures, moves: moves as CameraMove[], aspect: opts.aspect, seed: opts.seed, steps: opts.steps, onProgress: (n) => progress.tick(n) });
      progress.finish();
      await pipeline.release();
      console.log(formatPhotoReport(report));
      if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
    });

  program
    .command('eval')
    .description('score a generator with the judge: accuracy per label head beside the oracle, temporal consistency, flicker')
    .option('--split <split>', 'draw captions from this split: heldout|train|all', choiceOption(['heldout', 'train', 'all'] as const))
    .option('--captions <file>', 'JSONL of {"caption": …, "labels": {…}} to score instead of a split')
    .option('--phrasings <set>', `the held-out phrasings (src/eval/phrasings-heldout.json): ${PHRASING_SETS.join('|')} (the grammar's captions of the same labels and seeds)`, choiceOption(PHRASING_SETS))
    .option('--no-normalise', 'model generator: encode prompts as written, skipping the normaliser (to measure it)')
    .option('--generator <oracle|model>', 'what makes the clips: "oracle", an installed model name or a model directory', 'oracle')
    .option('--steps <n>', 'model generator: denoising steps (default: the model\'s)', intOption(1, 1000))
    .option('--cfg <scale>', 'model generator: guidance scale (default: the model\'s)', numberOption(0, 100))
    .option('--shift <s>', 'model generator: timestep shift (default: the model\'s)', numberOption(0.01, 100))
    .option('--scheduler <name>', `model generator: ${SCHEDULERS.join('|')}`, choiceOption(SCHEDULERS))
    .option('--threads <n>', 'model generator: onnxruntime threads', intOption(1, 256), 2)
    .option('--context-noise <level>', 'model generator: noise level of the frames each window of a long clip continues (default: the model\'s)', numberOption(0, 0.99))
    .option('--n <n>', 'number of captions', intOption(1, 100_000))
    .option('--seed <n>', 'seed for drawing captions and clips', intOption(0, 2 ** 31 - 1), 1234)
    .option('--inputs <mode>', 'what the generator is given: text (default), first (the oracle clip\'s first frame), first-last', choiceOption(['text', 'first', 'first-last'] as const), 'text')
    .option('--seconds <n>', 'model generator: draw clips this long; the judge scores their first and last 16 frames', intOption(3, 60))
    .option('--aspect <ratio>', `draw clips of this aspect (${Object.keys(ASPECT_SIZES).join('|')}); the judge scores the centre square, which the world draws as its 1:1 frame`, choiceOption(Object.keys(ASPECT_SIZES)), '1:1')
    .option('--blur <sigma>', 'Gaussian-blur generated clips by this σ in pixels (robustness check)', parseFloat, 0)
    .option('--judge <dir>', 'judge model directory', DEFAULT_JUDGE_DIR)
    .option('--by-class <head>', 'also print that head\'s accuracy per asked class (e.g. motion), with the commonest wrong reading')
    .option('--json <file>', 'also write the report as JSON (always with every head\'s per-class breakdown)')
    .action(async (opts) => {
      if ([opts.split, opts.captions, opts.phrasings].filter(Boolean).length !== 1) {
        throw new Error(`give exactly one of --split heldout|train|all, --captions FILE.jsonl or --phrasings ${PHRASING_SETS.join('|')}`);
      }
      const all = opts.phrasings ? casesFromPhrasings(opts.phrasings, opts.seed) : undefined;
      const cases = all ? all.slice(0, opts.n ?? all.length) : opts.captions ? casesFromFile(opts.captions, opts.n, opts.seed) : casesFromSplit(opts.split, opts.n ?? 200, opts.seed);
      const judge = await Judge.load(opts.judge);
      if (opts.byClass && !judge.heads.includes(opts.byClass)) {
        throw new Error(`--by-class ${opts.byClass}: the judge has no head "${opts.byClass}"; it has ${judge.heads.join(', ')}`);
      }
      const generator = await generatorFor(opts.generator, opts);
      const progress = createProgress('eval', cases.length, 'clips');
      if (opts.seconds && opts.generator === 'oracle') throw new Error('--seconds: the oracle draws 16-frame clips only; give --generator MODEL')
      if (opts.inputs !== 'text' && opts.generator !== 'oracle' && !generator.roundTrip) throw new Error(`--inputs ${opts.inputs}: ${generator.name} takes no pictures`);
      const report = await evaluate({ cases, generator, judge, blur: opts.blur, inputs: opts.inputs as InputMode, seconds: opts.seconds, aspect: opts.aspect, onProgress: (n) => progress.tick(n) });
      progress.finish();
      const full = { ...report, inputs: opts.inputs, seconds: opts.seconds ?? null, aspect: opts.aspect, split: opts.split ?? null, captions: opts.captions ?? null, phrasings: opts.phrasings ?? null, normalise: opts.normalise, seed: opts.seed, blur: opts.blur, judge: `${judge.manifest.name}@${judge.manifest.version}`,
        sampler: opts.generator === 'oracle' ? null : { steps: opts.steps ?? null, cfg: opts.cfg ?? null, shift: opts.shift ?? null, scheduler: opts.scheduler ?? null, contextNoise: opts.contextNoise ?? null } };
      console.log(formatReport(report));
      if (opts.phrasings && opts.phrasings !== 'heldout-grammar') {
        const lang = opts.phrasings === 'heldout-zh' ? 'zh' : 'en';
        const { share, misread } = readingAgreement(heldoutPhrasings().filter((e) => e.lang === lang));
        console.log(`the normaliser's concepts match the labels on ${(100 * share).toFixed(1)} % of the ${lang} phrasings${misread.length ? `; misread: ${misread.map((m) => m.id).join(', ')}` : ''}`);
      }
      if (opts.byClass) console.log(`\n${formatByClass(report, opts.byClass)}`);
      if (opts.json) writeFileSync(opts.json, JSON.stringify(full, null, 2) + '\n');
    });
}
