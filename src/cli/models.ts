/** `kineo models`: the text-to-video models installed here (models/ and $KINEO_MODELS_DIR). */
import type { Command } from 'commander';
import { listModels, modelRoots } from '../engine/models.js';

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list installed text-to-video models (models/*/model.json and $KINEO_MODELS_DIR)')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) => {
      const models = listModels();
      if (opts.json) {
        console.log(JSON.stringify(models, null, 2));
        return;
      }
      if (!models.length) {
        console.log(`no models installed in ${modelRoots().join(', ')}; export one with /usr/bin/python3 -m training.export_model`);
        return;
      }
      const rows = models.map((m) => [
        `${m.name}@${m.version}`,
        `${m.frames} frames ${m.width}×${m.height} @ ${m.fps} fps`,
        m.params === null ? '' : `${(m.params / 1e6).toFixed(1)} M params`,
        `${(m.bytes / 2 ** 20).toFixed(1)} MiB`,
        m.inputs.image ? 'text, pictures, long clips, extension' : 'text only',
        m.dir,
      ]);
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
    });
}
