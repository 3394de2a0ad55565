/** The `kineo serve` process: config printed with secrets masked, one Kineo server, graceful shutdown on signals. */
import { pino } from 'pino';
import { maskedConfig, type Config } from '../config.js';
import { createKineo } from '../kineo.js';
import { ensureStudioBuilt } from '../server/web.js';

export async function runServer(config: Config): Promise<void> {
  const logger = pino({ level: config.logLevel });
  logger.info({ config: maskedConfig(config) }, 'kineo config');
  const notBuilt = ensureStudioBuilt();
  if (notBuilt) logger.warn(`the studio is not available: ${notBuilt}`);
  const kineo = await createKineo(config, { logger });
  const url = await kineo.start();
  logger.info({ url, docs: `${url}/docs`, openapi: `${url}/openapi.json` }, `kineo listening on ${url}`);
  const signIn = kineo.context.accounts.mode === 'local' ? 'you are signed in automatically: the server listens on loopback only' : 'sign up; the first account is the admin';
  process.stdout.write(`\n  Kineo studio: ${url}/   (${signIn})\n  API docs:     ${url}/docs\n\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing running work (or giving it back to the queue)');
    kineo.stop().then(() => {
      logger.info('stopped');
      process.exit(0);
    }, (err) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
