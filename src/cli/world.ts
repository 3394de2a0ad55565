/** `kineo world data|preview`: write training shards, or render the ground truth of a caption. */
import type { Command } from 'commander';
import { writeDataset } from '../world/dataset-writer.js';
import { renderCaption } from '../world/index.js';
import { SPLITS, type Split } from '../world/splits.js';
import { WORLD_FPS } from '../world/dataset-writer.js';
import { encodeVideo, formatFromPath } from '../engine/video.js';
import { createProgress } from './progress.js';
import { writeFileSync } from 'node:fs';
import { buildVocabulary } from '../engine/tokenizer.js';
import { choiceOption, intOption } from './options.js';

export function registerWorldCommands(program: Command): void {
  const world = program.command('world').description('the procedural, captioned video world kineo-mini learns from');

  world
    .command('data')
    .description('render a dataset of captioned clips as shards (uint8 frames + JSONL labels)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--split <split>', `which combinations to draw from: ${SPLITS.join('|')}`, choiceOption(SPLITS), 'train' as Split)
    .option('--clips <n>', 'number of clips', intOption(1, 10_000_000), 1000)
    .option('--size <px>', 'frame width and height', intOption(16, 512), 64)
    .option('--width <px>', 'frame width, for another aspect than 1:1 (default: --size)', intOption(16, 1024))
    .option('--height <px>', 'frame height, for another aspect than 1:1 (default: --size)', intOption(16, 1024))
    .option('--frames <n>', 'frames per clip', intOption(1, 256), 16)
    .option('--seed <n>', 'base seed (clip i uses a seed derived from it and i)', intOption(0, 2 ** 31 - 1), 1)
    .option('--shard-size <n>', 'clips per shard', intOption(1, 100_000), 500)
    .option('--workers <n>', 'render threads (default: one per core)', intOption(1, 256))
    .option('--coverage', "also write each clip's per-pixel sprite coverage (shard-*.cov.u8), for object-weighted training")
    .action(async (opts) => {
      const progress = createProgress(`world ${opts.split}`, opts.clips, 'clips');
      const summary = await writeDataset({ ...opts, onProgress: (n) => progress.tick(n) });
      progress.finish();
      const reused = summary.reusedShards ? ` (${summary.reusedShards} finished shards kept from an earlier run)` : '';
      console.log(`wrote ${summary.clips} clips in ${summary.shards} shards to ${opts.out}${reused}: ` +
        `${summary.seconds.toFixed(1)} s, ${summary.clipsPerSecond.toFixed(0)} clips/s at ${opts.width ?? opts.size}x${opts.height ?? opts.size}x${opts.frames}`);
    });

  world
    .command('vocab')
    .description('write the tokenizer vocabulary of the caption grammar (vocab.json)')
    .requiredOption('-o, --out <file>', 'output file')
    .option('--max-tokens <n>', 'tokens per caption', intOption(4, 512), 32)
    .action((opts) => {
      const vocab = buildVocabulary(opts.maxTokens);
      writeFileSync(opts.out, JSON.stringify(vocab, null, 1) + '\n');
      console.log(`${opts.out}: ${vocab.tokens.length} tokens, ${vocab.maxTokens} per caption`);
    });

  world
    .command('preview <caption>')
    .description('render the ground-truth clip of a caption (the oracle) to a video file')
    .requiredOption('-o, --out <file>', 'output file (.mp4, .gif or .webp)')
    .option('--size <px>', 'frame width and height', intOption(16, 1024), 256)
    .option('--frames <n>', 'frames', intOption(1, 256), 16)
    .option('--seed <n>', 'seed', intOption(0, 2 ** 31 - 1), 1)
    .action(async (caption: string, opts) => {
      const { labels, unknownWords, clip } = renderCaption(caption, opts.seed, { frames: opts.frames, height: opts.size, width: opts.size });
      if (unknownWords.length) console.warn(`warning: the world does not know these words and ignored them: ${unknownWords.join(', ')}`);
      await encodeVideo(clip, { path: opts.out, format: formatFromPath(opts.out), fps: WORLD_FPS, metadata: { comment: `kineo world ground truth: ${JSON.stringify(labels)}`, title: caption } });
      console.log(`${opts.out}: ${JSON.stringify(labels)}`);
    });
}
