/**
 * Engine speed: text → MP4 with the built-in model, per stage, for steps ∈ {4, 8, 20} × threads ∈ {1, 2}, side by
 * side in one run, and (a model with conditioning) the default settings on 5- and 10-second clips drawn window by
 * window, and (a model with other aspects) a 5-second 16:9 clip. Each configuration runs in a fresh child process (so peak RSS is its own), warms up once, then
 * takes the median of `--runs` generations.
 *
 *   npm run bench:engine [-- --json] [-- --model DIR] [-- --baseline DIR] [-- --runs 3] [-- --steps 4,8,20] [-- --threads 1,2] [-- --seconds 5,10] [-- --aspects 16:9]
 *
 * `--baseline DIR`: another model's default 2-second clip measured in the same run (an earlier release), printed
 * beside this one's with the speed-up, so a comparison never mixes machines or loads.
 *
 * RTF = total ÷ clip duration (frames / fps): below 1 is faster than playback. `default` is the model's own
 * sampler settings (model.json) at 2 threads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KineoPipeline } from '../src/engine/pipeline.js';
import { resolveModel } from '../src/engine/models.js';
import { encodeVideo } from '../src/engine/video.js';

const PROMPT = 'a red fox runs to the right across the snow';

interface Measure {
  aspect: string;
  steps: number;
  threads: number;
  guidance: number | null;
  textMs: number;
  stepMs: number;
  denoiseMs: number;
  decodeMs: number;
  encodeMs: number;
  totalMs: number;
  clipSeconds: number;
  rtf: number;
  peakRssMiB: number;
}

function arg(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One configuration, in this process: warm-up, then the median of `runs` generations + MP4 encodes. */
async function measureOne(model: string, steps: number | undefined, threads: number, runs: number, seconds?: number, aspect = '1:1'): Promise<Measure> {
  const pipeline = await KineoPipeline.load(model, { threads });
  const frames = seconds ? seconds * pipeline.manifest.video.fps : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kineo-bench-engine-'));
  const samples: Omit<Measure, 'peakRssMiB'>[] = [];
  try {
    for (let r = 0; r <= runs; r++) {
      const stepTimes: number[] = [];
      let last = 0;
      const gen = await pipeline.generate({
        prompt: PROMPT, seed: 1 + r, steps, frames, aspect,
        onProgress: (s) => {
          if (s.phase === 'denoise') {
            stepTimes.push(s.elapsedMs - last);
          }
          last = s.elapsedMs;
        },
      });
      const t0 = performance.now();
      await encodeVideo(gen, { path: join(dir, `clip-${r}.mp4`), format: 'mp4', fps: gen.fps, metadata: { comment: 'AI-generated (benchmark)' } });
      const encodeMs = performance.now() - t0;
      const totalMs = gen.timings.total + encodeMs;
      const clipSeconds = gen.frames / gen.fps;
      if (r === 0) continue; // warm-up
      samples.push({
        aspect, steps: gen.steps, threads, guidance: gen.guidance, textMs: gen.timings.encode, stepMs: median(stepTimes),
        denoiseMs: gen.timings.denoise, decodeMs: gen.timings.decode, encodeMs, totalMs, clipSeconds, rtf: totalMs / 1000 / clipSeconds,
      });
    }
  } finally {
    await pipeline.release();
    rmSync(dir, { recursive: true, force: true });
  }
  const pick = (k: keyof Omit<Measure, 'peakRssMiB' | 'aspect'>) => median(samples.map((s) => s[k] as number));
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    aspect, steps: samples[0]!.steps, threads, guidance: samples[0]!.guidance,
    textMs: round(pick('textMs')), stepMs: round(pick('stepMs')), denoiseMs: round(pick('denoiseMs')), decodeMs: round(pick('decodeMs')),
    encodeMs: round(pick('encodeMs')), totalMs: round(pick('totalMs')), clipSeconds: samples[0]!.clipSeconds,
    rtf: Math.round(pick('rtf') * 1000) / 1000, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

async function main(): Promise<void> {
  const model = resolveModel(arg('--model') ?? 'kineo-mini');
  const runs = Number(arg('--runs') ?? 3);
  const child = arg('--child');
  if (child) {
    const [steps, threads, seconds] = child.split(':').slice(0, 3).map(Number);
    const aspect = child.split(':').slice(3).join(':') || '1:1';
    const m = await measureOne(model, steps! > 0 ? steps : undefined, threads!, runs, seconds || undefined, aspect);
    process.stdout.write(JSON.stringify(m));
    return;
  }
  const stepsList = (arg('--steps') ?? '4,8,20').split(',').map(Number);
  const threadsList = (arg('--threads') ?? '1,2').split(',').map(Number);
  const configs: [number, number, number, string][] = [[0, 2, 0, '1:1']]; // 0 = the model's default steps, the model's clip length
  const probe = await KineoPipeline.load(model, { threads: 1 });
  const long = probe.capabilities.maxFrames > probe.manifest.video.frames;
  const aspects = (arg('--aspects') ?? '16:9').split(',').filter((a) => probe.capabilities.aspects.includes(a) && a !== '1:1');
  await probe.release();
  if (long) for (const sec of (arg('--seconds') ?? '5,10').split(',').map(Number)) configs.push([0, 2, sec, '1:1']);
  if (long) for (const a of aspects) configs.push([0, 2, 5, a]);
  for (const t of threadsList) for (const s of stepsList) configs.push([s, t, 0, '1:1']);
  const self = fileURLToPath(import.meta.url);
  const results: (Measure & { label: string })[] = [];
  for (const [steps, threads, seconds, aspect] of configs) {
    const spec = `${steps}:${threads}:${seconds}:${aspect}`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', spec, '--model', model, '--runs', String(runs)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`benchmark child ${spec} failed: ${r.stderr}`);
    const label = steps === 0 ? (seconds ? `default, ${seconds} s${aspect === '1:1' ? '' : ` ${aspect}`}` : 'default') : `${steps} steps`;
    results.push({ label, ...(JSON.parse(r.stdout) as Measure) });
  }
  const def = results[0]!;
  const baselineDir = arg('--baseline');
  let baseline: Measure | undefined;
  if (baselineDir) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', '0:2:0:1:1', '--model', resolveModel(baselineDir), '--runs', String(runs)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`benchmark child for the baseline failed: ${r.stderr}`);
    baseline = JSON.parse(r.stdout) as Measure;
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ model, prompt: PROMPT, runs, default: def, results: results.slice(1), ...(baseline ? { baseline: { model: resolveModel(baselineDir!), ...baseline } } : {}) }, null, 2));
    return;
  }
  console.log(`model ${model}; "${PROMPT}"; median of ${runs} runs after a warm-up; clip ${def.clipSeconds} s`);
  console.log('config                 clip s threads  text ms  step ms  denoise ms  decode ms  mp4 ms  total ms    RTF  peak RSS MiB');
  for (const r of results) {
    const label = r.label.startsWith('default') ? r.label.replace('default', `default (${r.steps})`) : r.label;
    console.log(`${label.padEnd(22)} ${String(r.clipSeconds).padStart(6)} ${String(r.threads).padStart(7)} ${r.textMs.toFixed(1).padStart(8)} ${r.stepMs.toFixed(1).padStart(8)} ${r.denoiseMs.toFixed(0).padStart(11)} ${r.decodeMs.toFixed(0).padStart(10)} ${r.encodeMs.toFixed(0).padStart(7)} ${r.totalMs.toFixed(0).padStart(9)} ${r.rtf.toFixed(3).padStart(6)} ${String(r.peakRssMiB).padStart(13)}`);
  }
  console.log(`default RTF ${def.rtf.toFixed(3)} (target ≤ 1: ${def.rtf <= 1 ? 'met' : 'missed'}; issue 25's ≤ 0.25: ${def.rtf <= 0.25 ? 'met' : 'missed'}), peak RSS ${def.peakRssMiB} MiB`);
  if (baseline) {
    console.log(`baseline ${resolveModel(baselineDir!)}, default (${baseline.steps} steps, guidance ${baseline.guidance ?? 'none'}): total ${baseline.totalMs.toFixed(0)} ms, RTF ${baseline.rtf.toFixed(3)}, peak RSS ${baseline.peakRssMiB} MiB`);
    console.log(`this model is ${(baseline.totalMs / def.totalMs).toFixed(2)}x the baseline's speed (denoise ${(baseline.denoiseMs / def.denoiseMs).toFixed(2)}x)`);
  }
  for (const r of results.filter((x) => x.aspect !== '1:1')) {
    console.log(`${r.clipSeconds} s ${r.aspect} RTF ${r.rtf.toFixed(3)} (target ≤ 1: ${r.rtf <= 1 ? 'met' : 'missed'})`);
  }
}

await main();
