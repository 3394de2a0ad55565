/**
 * `kineo generate "<prompt>" -o out.mp4`: text (and pictures, or a clip to extend) to video with the built-in engine,
 * labelled as AI-generated.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_MODEL, resolveModel } from '../engine/models.js';
import { KineoPipeline, SCHEDULERS } from '../engine/pipeline.js';
import { generationMetadata, posterPng } from '../engine/outputs.js';
import { encodeVideo, formatFromPath, VIDEO_FORMATS, type VideoFormat } from '../engine/video.js';
import { DEFAULT_IMAGE_LIMITS, fitImage } from '../media/image.js';
import { decodeVideoFile } from '../media/video-input.js';
import { choiceOption, intOption, numberOption } from './options.js';
import { createProgress } from './progress.js';

interface GenerateOptions {
  out: string;
  model: string;
  seed?: number;
  steps?: number;
  cfg?: number;
  shift?: number;
  scheduler?: 'euler' | 'heun';
  negative?: string;
  format?: VideoFormat;
  size?: number;
  frames?: number;
  seconds?: number;
  image?: string;
  lastImage?: string;
  extend?: string;
  aspect?: string;
  threads: number;
  poster?: string;
  json?: boolean;
}

async function runGenerate(prompt: string, opts: GenerateOptions): Promise<void> {
  const format = opts.format ?? formatFromPath(opts.out);
  const pipeline = await KineoPipeline.load(resolveModel(opts.model), { threads: opts.threads });
  const { manifest } = pipeline;
  const { video } = manifest;
  const caps = pipeline.capabilities;
  const modelName = `${manifest.name}@${manifest.version}`;
  const aspect = opts.aspect ?? '1:1';
  if (!caps.aspects.includes(aspect)) {
    throw new Error(caps.aspects.length === 1
      ? `${modelName} draws ${caps.aspects[0]} clips only (${video.width}×${video.height}); leave out --aspect`
      : `${modelName} draws ${caps.aspects.join(', ')}; --aspect ${aspect} is not one of them`);
  }
  const frameSize = pipeline.sizeOf(aspect);
  if (opts.frames !== undefined && opts.seconds !== undefined) throw new Error('give --frames or --seconds, not both');
  const frames = opts.seconds !== undefined ? opts.seconds * video.fps : opts.frames;
  if (frames !== undefined && frames > caps.maxFrames) {
    throw new Error(caps.maxFrames === video.frames
      ? `${modelName} makes clips of exactly ${video.frames} frames; leave out --frames / --seconds`
      : `${modelName} makes at most ${caps.maxFrames} frames (${caps.maxFrames / video.fps} s) a clip; ask for fewer`);
  }
  for (const [flag, given, can] of [['--image', opts.image, caps.image], ['--last-image', opts.lastImage, caps.lastImage], ['--extend', opts.extend, caps.extend]] as const) {
    if (given && !can) throw new Error(`${modelName} draws from text only and takes no ${flag}; use a model with conditioning`);
  }
  const picture = async (path: string | undefined) => {
    if (!path) return undefined;
    const size = statSync(path).size; // refused before reading, like an upload
    if (size > DEFAULT_IMAGE_LIMITS.maxBytes) throw new Error(`${path} is ${(size / 2 ** 20).toFixed(1)} MiB; the most a picture may be is ${DEFAULT_IMAGE_LIMITS.maxBytes / 2 ** 20} MiB`);
    return fitImage(readFileSync(path), frameSize.width, frameSize.height);
  };
  const image = await picture(opts.image);
  const lastImage = await picture(opts.lastImage);
  const outSize = pipeline.outputSizeOf(aspect);
  const extend = opts.extend ? await decodeVideoFile(opts.extend, outSize.width, outSize.height, video.fps, caps.maxFrames - 1) : undefined;
  const seed = opts.seed ?? randomInt(0, 2 ** 31 - 1);
  const requestId = randomUUID();
  const steps = opts.steps ?? manifest.sampler.steps;
  if (!opts.json) console.error(`${modelName}: seed ${seed}, ${steps} steps (repeat with --seed ${seed})`);
  let progress: ReturnType<typeof createProgress> | undefined;
  const generation = await pipeline.generate({
    prompt, negativePrompt: opts.negative, seed, steps, guidance: opts.cfg, shift: opts.shift, scheduler: opts.scheduler,
    image, lastImage, extend, frames, aspect,
    onProgress: (s) => {
      if (!opts.json && s.phase === 'encode') progress ??= createProgress('generate', s.of, 'steps');
      if (s.phase === 'denoise') progress?.tick(s.step);
      if (s.phase === 'decode') progress?.finish();
    },
  });
  await pipeline.release();
  if (!opts.json) {
    const concepts = Object.entries(generation.reading.concepts).map(([k, v]) => `${k} ${v}`).join(', ');
    console.error(`read as: ${concepts || 'nothing the model can draw'}${generation.caption !== prompt.trim() ? ` ("${generation.caption}")` : ''}`);
  }
  if (!opts.json && generation.unknownWords.length) {
    console.error(`warning: ${manifest.name} does not know these words and ignored them: ${generation.unknownWords.join(', ')}`);
  }
  if (!opts.json && generation.truncatedWords.length) {
    console.error(`warning: the prompt is longer than ${manifest.text.maxTokens} words; ignored: ${generation.truncatedWords.join(' ')}`);
  }
  const t0 = performance.now();
  await encodeVideo(generation, { path: opts.out, format, fps: generation.fps, outputSize: opts.size, metadata: generationMetadata(generation, prompt, requestId, opts.negative) });
  const videoMs = Math.round((performance.now() - t0) * 10) / 10;
  if (opts.poster) writeFileSync(opts.poster, posterPng(generation, Math.floor(generation.frames / 2), opts.size));
  const timings = { ...generation.timings, video: videoMs };
  if (opts.json) {
    console.log(JSON.stringify({
      path: opts.out, format, poster: opts.poster ?? null, request_id: requestId,
      model: generation.model.name, version: generation.model.version, seed, prompt, negative_prompt: opts.negative ?? null,
      steps: generation.steps, guidance: generation.guidance, shift: generation.shift, scheduler: generation.scheduler,
      frames: generation.frames, fps: generation.fps, seconds: generation.frames / generation.fps, windows: generation.windows,
      width: generation.width, height: generation.height, aspect, output_size: opts.size ?? null,
      inputs: { image: opts.image ?? null, last_image: opts.lastImage ?? null, extend: opts.extend ?? null },
      unknown_words: generation.unknownWords, truncated_words: generation.truncatedWords, timings_ms: timings,
      reading: { caption: generation.caption, concepts: generation.reading.concepts, understood: generation.reading.understood, unused: generation.reading.unused, usable: generation.reading.usable },
    }));
    return;
  }
  const size = opts.size ? `${opts.size}px across` : `${generation.width}×${generation.height}`;
  const t = timings;
  console.log(`${opts.out}: ${generation.frames} frames at ${generation.fps} fps, ${size}, ${generation.model.name}@${generation.model.version}, seed ${seed} ` +
    `(${(t.total / 1000).toFixed(2)} s: text ${t.encode.toFixed(0)} ms, denoise ${t.denoise.toFixed(0)} ms, decode ${t.decode.toFixed(0)} ms; video ${t.video.toFixed(0)} ms)`);
}

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate <prompt>')
    .description('generate a video from a text prompt (and a start or end picture, or a video to extend) with the built-in model (CPU, onnxruntime)')
    .requiredOption('-o, --out <file>', 'output file (.mp4, .gif or .webp)')
    .option('--model <name|dir>', 'installed model name or model directory', DEFAULT_MODEL)
    .option('--seed <n>', 'seed (default: random, printed)', intOption(0, 2 ** 31 - 1))
    .option('--steps <n>', 'denoising steps (default: the model\'s)', intOption(1, 1000))
    .option('--cfg <scale>', 'classifier-free guidance scale; ≤ 1 turns guidance off (default: the model\'s)', numberOption(0, 100))
    .option('--shift <s>', 'timestep shift (default: the model\'s)', numberOption(0.01, 100))
    .option('--scheduler <name>', `sampler: ${SCHEDULERS.join('|')}`, choiceOption(SCHEDULERS))
    .option('--negative <prompt>', 'negative prompt (replaces the empty caption of guidance)')
    .option('--format <fmt>', `${VIDEO_FORMATS.join('|')} (default: from the -o extension)`, choiceOption(VIDEO_FORMATS))
    .option('--size <px>', 'scale the output to this many pixels across', intOption(16, 4096))
    .option('--frames <n>', 'frames to draw (default: one window, the model\'s clip length)', intOption(1, 10_000))
    .option('--seconds <n>', 'seconds to draw, window by window (a model with conditioning: up to 60)', intOption(1, 600))
    .option('--image <file>', 'start from this picture (PNG, JPEG or WebP; centre-cropped and scaled to the model\'s size)')
    .option('--last-image <file>', 'end on this picture')
    .option('--extend <video>', 'continue this video: the output is it followed by the new frames')
    .option('--aspect <ratio>', 'aspect ratio of the clip: 1:1 (default), 16:9 or 9:16 where the model draws them (kineo models)')
    .option('--threads <n>', 'onnxruntime threads', intOption(1, 256), 2)
    .option('--poster <file>', 'also write the middle frame as a PNG')
    .option('--json', 'print one JSON object about the result instead of progress and text')
    .action((prompt: string, opts: GenerateOptions) => runGenerate(prompt, opts));
}
