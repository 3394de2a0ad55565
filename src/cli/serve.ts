/** `kineo serve`: the API server (Kling + OpenAI wire formats, native API), workers and webhooks in one process. */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { runServer } from './run-server.js';
import { intOption } from './options.js';

interface ServeOptions {
  host?: string;
  port?: number;
  data?: string;
  config?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the API server (defaults: 127.0.0.1:8080, data in ./data; env KINEO_HOST, KINEO_PORT, KINEO_DATA_DIR, KINEO_CONFIG)')
    .option('--host <host>', 'listen address (0.0.0.0 exposes the server to the network)')
    .option('--port <port>', 'port (0: any free port)', intOption(0, 65535))
    .option('--data <dir>', 'data directory (database, files, server key)')
    .option('--config <file>', 'JSON config file (see docs/api.md)')
    .action(async (opts: ServeOptions) => {
      const config = loadConfig({ file: opts.config, overrides: { host: opts.host, port: opts.port, dataDir: opts.data } });
      await runServer(config);
    });
}
