import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { casesFromFile, casesFromSplit } from './cases.js';
import { classScores, evaluate, oracleGenerator, scoreVerdicts, JUDGE_CLIP } from './evaluate.js';
import { Judge } from './judge.js';
import { renderLabels } from '../world/index.js';
import { kineo } from '../../test/cli-helpers.js';
import { resampleClip } from './resample.js';
import { bilinearUp } from '../engine/frame-scale.js';

let judge: Judge;
beforeAll(async () => {
  judge = await Judge.load();
});

describe('evaluation with the shipped judge', () => {
  it('scores oracle clips of held-out captions high on every head', async () => {
    const report = await evaluate({ cases: casesFromSplit('heldout', 48, 77), generator: oracleGenerator(), judge });
    for (const head of ['object', 'motion', 'background']) expect(report.accuracy[head]!.oracle, head).toBeGreaterThan(0.85);
    for (const head of ['count', 'effect', 'camera']) expect(report.accuracy[head]!.oracle, head).toBeGreaterThan(0.8);
    expect(report.accuracy.object!.generated).toBeGreaterThan(0.85);
    expect(report.temporal_consistency.oracle).toBeGreaterThan(0.5);
  });

  it('scores the same clips low against shuffled labels: the judge can fail', async () => {
    const cases = casesFromSplit('heldout', 48, 78);
    const clips = cases.map((c) => renderLabels(c.labels, c.seed, JUDGE_CLIP));
    const verdicts = await judge.judge(clips);
    const truth = scoreVerdicts(verdicts, cases.map((c) => c.labels), clips, judge.heads);
    const shuffled = cases.map((_, i) => cases[(i + 17) % cases.length]!.labels);
    const wrong = scoreVerdicts(verdicts, shuffled, clips, judge.heads);
    for (const head of ['object', 'motion', 'background']) {
      expect(truth.accuracy[head]!, head).toBeGreaterThan(0.85);
      expect(wrong.accuracy[head]!, head).toBeLessThan(0.35);
    }
    // The confusion counts every case once per head, under the asked class, and agrees with the accuracy.
    for (const score of [truth, wrong]) {
      const rows = Object.values(score.confusion.motion!);
      expect(rows.flatMap((r) => Object.values(r)).reduce((a, b) => a + b, 0)).toBe(cases.length);
      const right = Object.entries(score.confusion.motion!).reduce((a, [asked, r]) => a + (r[asked] ?? 0), 0);
      expect(right / cases.length).toBeCloseTo(score.accuracy.motion!, 10);
    }
  });

  it('breaks accuracy down by asked class and names the commonest wrong reading', () => {
    const generated = { left: { left: 1, right: 3, up: 1 }, stay: { stay: 2 } };
    const oracle = { left: { left: 4, up: 1 }, stay: { stay: 2 } };
    expect(classScores(generated, oracle)).toEqual({
      left: { n: 5, generated: 0.2, oracle: 0.8, mistaken_for: 'right' },
      stay: { n: 2, generated: 1, oracle: 1 },
    });
  });

  it('reads any JSONL of captions and labels, and names the line of a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-eval-'));
    try {
      const file = join(dir, 'captions.jsonl');
      writeFileSync(file, [
        JSON.stringify({ caption: 'a cat bounces on the beach', labels: { object: 'cat', motion: 'bounce', background: 'beach' } }),
        JSON.stringify({ caption: 'two dogs move left in the snow', labels: { object: 'dog', motion: 'left', background: 'snow', count: 2 } }),
      ].join('\n'));
      const cases = casesFromFile(file, undefined, 1);
      expect(cases.map((c) => c.labels.count)).toEqual([1, 2]);
      expect(cases[0]!.labels).toMatchObject({ effect: 'none', camera: 'none', object2: 'none', speed: 'normal' });
      writeFileSync(file, `${JSON.stringify({ caption: 'a unicorn', labels: { object: 'unicorn', background: 'beach' } })}\n`);
      expect(() => casesFromFile(file, undefined, 1)).toThrow(/captions\.jsonl:1: labels\.object: .*expected one of/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('runs from the CLI and writes the report as JSON in the documented shape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kineo-eval-'));
    try {
      const out = join(dir, 'report.json');
      const run = kineo(['eval', '--split', 'train', '--generator', 'oracle', '--n', '24', '--seed', '5', '--by-class', 'motion', '--json', out]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/object\s+\d+\.\d%/);
      expect(run.stdout).toMatch(/motion\s+n\s+generated\s+oracle\s+mistaken for/);
      const report = JSON.parse(readFileSync(out, 'utf8'));
      expect(report.n).toBe(24);
      for (const head of ['object', 'motion', 'background', 'count', 'effect', 'camera']) {
        expect(Object.keys(report.accuracy[head]).sort()).toEqual(['generated', 'oracle', 'ratio']);
      }
      expect(Object.keys(report.temporal_consistency).sort()).toEqual(['generated', 'oracle']);
      expect(Object.keys(report.flicker).sort()).toEqual(['generated', 'oracle']);
      const motionClasses = Object.values(report.by_class.motion) as { n: number }[];
      expect(motionClasses.reduce((a, c) => a + c.n, 0)).toBe(24);
      const badHead = kineo(['eval', '--split', 'train', '--n', '2', '--by-class', 'colour']);
      expect(badHead.status).toBe(1);
      expect(badHead.stderr).toMatch(/--by-class colour: the judge has no head "colour"; it has object/);
      const bad = kineo(['eval', '--generator', 'oracle']);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/exactly one of --split/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('sharper measures: Fréchet distance on judge features and sharpness', () => {
  it('puts the oracle at its own floor and a collapsed generator far above it; blur lowers the sharpness ratio', async () => {
    const cases = casesFromSplit('heldout', 24, 95);
    const plain = await evaluate({ cases, generator: oracleGenerator(), judge });
    const blurred = await evaluate({ cases, generator: oracleGenerator(), judge, blur: 1.5 });
    // a generator that draws one scene whatever it is asked: the distribution of its clips is far from the oracle's
    const oneScene = { name: 'one scene', generate: (_c: string, seed: number) => oracleGenerator().generate('a red fox moves left in the snow', seed) };
    const collapsed = await evaluate({ cases, generator: oneScene, judge });
    expect(plain.frechet!.floor).toBe(blurred.frechet!.floor); // the floor is the oracle's alone
    expect(plain.frechet!.generated).toBeLessThan(2 * plain.frechet!.floor);
    expect(collapsed.frechet!.generated).toBeGreaterThan(3 * plain.frechet!.floor);
    expect(blurred.frechet!.generated).toBeGreaterThan(plain.frechet!.generated);
    expect(plain.sharpness!.frame.ratio).toBeGreaterThan(0.8);
    expect(plain.sharpness!.frame.ratio).toBeLessThan(1.25);
    expect(blurred.sharpness!.frame.ratio).toBeLessThan(0.5);
    expect(plain.sharpness!.object).toBeUndefined(); // text only: the generated object is not where the oracle's is
    const given = await evaluate({ cases: cases.slice(0, 6), generator: oracleGenerator(), judge, inputs: 'first', blur: 1.5, frechet: false });
    expect(given.frechet).toBeUndefined();
    expect(given.sharpness!.object!.ratio).toBeLessThan(0.5);
  });
});

describe('sharpness at the size a generator draws', () => {
  it('measures a 128×128 clip against the world rendered at 128, and an upscaled 64×64 one far below it', async () => {
    const cases = casesFromSplit('heldout', 6, 96);
    const at = (size: number, drawn: number) => ({
      name: `oracle ${drawn} shown at ${size}`,
      generate: async (caption: string, seed: number) => {
        const c = cases.find((k) => k.caption === caption && k.seed === seed)!;
        const small = renderLabels(c.labels, seed, { ...JUDGE_CLIP, height: drawn, width: drawn });
        const full = bilinearUpClip(small, size / drawn);
        return { ...resampleClip(full, 16, 64, 64), full };
      },
    });
    const sharp = await evaluate({ cases, generator: at(128, 128), judge, frechet: false });
    const upscaled = await evaluate({ cases, generator: at(128, 64), judge, frechet: false });
    expect(sharp.sharpness!.output).toMatchObject({ size: '128x128' });
    expect(sharp.sharpness!.output!.ratio).toBeCloseTo(1, 5);
    expect(upscaled.sharpness!.output!.ratio).toBeLessThan(0.5);
    const judgeSized = await evaluate({ cases, generator: oracleGenerator(), judge, frechet: false });
    expect(judgeSized.sharpness!.output).toBeUndefined();
  });
});

function bilinearUpClip(clip: { frames: number; height: number; width: number; data: Uint8Array }, f: number) {
  return { frames: clip.frames, height: clip.height * f, width: clip.width * f, data: bilinearUp(clip.data, clip.frames, clip.height, clip.width, f) };
}

describe('evaluation with given frames and long clips', () => {
  it('reports the PSNR of the generated first frame to the given picture, and no round trip for a generator without one', async () => {
    const report = await evaluate({ cases: casesFromSplit('heldout', 6, 90), generator: oracleGenerator(), judge, inputs: 'first' });
    // the oracle draws its own scene (another seed) and ignores the picture: a low but finite PSNR
    expect(report.given_frames!.first!.generated_psnr).toBeGreaterThan(5);
    expect(report.given_frames!.first!.generated_psnr).toBeLessThan(40);
    expect(report.given_frames!.first!.roundtrip_psnr).toBeNull();
    expect(report.given_frames!.last).toBeUndefined();
  });

  it('scores the first and last 16 frames of long clips and compares the change where windows meet', async () => {
    const still = (v: number, frames: number) => ({ data: new Uint8Array(frames * 64 * 64 * 3).fill(v), frames, height: 64, width: 64 });
    // a 40-frame clip that jumps by 30 grey levels at frame 16 (a seam) and creeps by 1 inside
    const generator = {
      name: 'creeping grey',
      generate: async (_caption: string, _seed: number, _inputs: unknown, frames?: number) => {
        const n = frames ?? 16;
        const clip = still(0, n);
        for (let f = 0; f < n; f++) clip.data.fill(f + (f >= 16 ? 30 : 0), f * 64 * 64 * 3, (f + 1) * 64 * 64 * 3);
        return { ...clip, seams: [16] };
      },
    };
    const report = await evaluate({ cases: casesFromSplit('heldout', 4, 91), generator, judge, seconds: 5 });
    expect(report.long!.seconds).toBe(5);
    expect(report.long!.seam_change).toBeCloseTo(31, 5);
    expect(report.long!.inside_change).toBeCloseTo(1, 5);
    expect(Object.keys(report.long!.last_window)).toEqual(judge.heads);
  });

  it('judges the centre square of 16:9 and 9:16 clips, which the oracle draws as its 1:1 frame', async () => {
    const cases = casesFromSplit('heldout', 12, 92);
    const square = await evaluate({ cases, generator: oracleGenerator(), judge });
    const sizes: Array<[number, number]> = [];
    const recording = { ...oracleGenerator(), generate: async (...args: Parameters<ReturnType<typeof oracleGenerator>['generate']>) => {
      const clip = await oracleGenerator().generate(...args);
      sizes.push([clip.width, clip.height]);
      return clip;
    } };
    for (const [aspect, size] of [['16:9', [112, 64]], ['9:16', [64, 112]]] as const) {
      sizes.length = 0;
      const report = await evaluate({ cases, generator: recording, judge, aspect, inputs: 'first' });
      expect(sizes.every(([w, h]) => w === size[0] && h === size[1])).toBe(true);
      // the same scenes in the square: identical oracle figures, and the oracle-as-generator matches the 1:1 run
      for (const head of judge.heads) {
        expect(report.accuracy[head]!.oracle).toBe(square.accuracy[head]!.oracle);
        expect(report.accuracy[head]!.generated).toBe(square.accuracy[head]!.generated);
      }
    }
    await expect(evaluate({ cases, generator: oracleGenerator(), judge, aspect: '4:3' })).rejects.toThrow(/knows 1:1, 16:9, 9:16/);
  });
});
