/** The `kineo` command line. Each command lives in its own module; this file only wires them up. */
import { Command, CommanderError } from 'commander';
import { registerWorldCommands } from './world.js';
import { registerEvalCommand } from './eval.js';
import { registerGenerateCommand } from './generate.js';
import { registerModelsCommand } from './models.js';
import { registerServeCommand } from './serve.js';
import { registerKeysCommand } from './keys.js';
import { registerWorkerCommands } from './worker.js';

const program = new Command()
  .name('kineo')
  .description('Kineo: open, self-hostable AI video generation (world renderer, judge, engine, server)')
  .showHelpAfterError();

registerGenerateCommand(program);
registerModelsCommand(program);
registerWorldCommands(program);
registerEvalCommand(program);
registerServeCommand(program);
registerKeysCommand(program);
registerWorkerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // Errors we raise on purpose carry a sentence for the user; show it without a stack trace.
  console.error(`kineo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
