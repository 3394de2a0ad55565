/** `kineo keys create|list|credit`: API keys in the server's database (the server may be running). */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openDatabase } from '../core/db/database.js';
import { ServerKey } from '../core/repositories/server-key.js';
import { KeysService } from '../server/services/keys.service.js';
import { intOption } from './options.js';

async function withKeys<T>(dataDir: string | undefined, fn: (keys: KeysService, initial: number) => Promise<T>): Promise<T> {
  const config = loadConfig({ overrides: { dataDir } });
  const { db } = await openDatabase(config);
  try {
    return await fn(new KeysService(db, ServerKey.forConfig(config)), config.credits.initial);
  } finally {
    await db.destroy();
  }
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('API keys: create, list, add credits');
  keys.command('create')
    .description('create a key: prints its access key (public, the JWT iss) and secret key (the Bearer key; shown once)')
    .requiredOption('--name <name>', 'a name for the key')
    .option('--data <dir>', 'data directory (default $KINEO_DATA_DIR or ./data)')
    .option('--credits <n>', 'starting credits (default: config credits.initial)', intOption(0, 1_000_000_000))
    .option('--json', 'print {"access_key", "secret_key", "webhook_secret", …} as JSON')
    .action(async (opts: { name: string; data?: string; credits?: number; json?: boolean }) => {
      const created = await withKeys(opts.data, (k, initial) => k.create(opts.name, opts.credits ?? initial));
      if (opts.json) {
        console.log(JSON.stringify(created));
        return;
      }
      console.log(`key "${created.name}" with ${created.credits} credits`);
      console.log(`access key:     ${created.access_key}`);
      console.log(`secret key:     ${created.secret_key}   (shown once; the OpenAI-style Bearer key and the HS256 secret of Kling JWTs)`);
      console.log(`webhook secret: ${created.webhook_secret}   (verifies this key's Kling callbacks, Standard Webhooks)`);
    });
  keys.command('list')
    .description('list keys (never their secrets)')
    .option('--data <dir>', 'data directory')
    .option('--json', 'print JSON')
    .action(async (opts: { data?: string; json?: boolean }) => {
      const rows = await withKeys(opts.data, (k) => k.list());
      const out = rows.map((r) => ({ access_key: r.id, name: r.name, balance: r.balance, active: r.active, created_at: new Date(r.created_at).toISOString() }));
      if (opts.json) console.log(JSON.stringify(out));
      else for (const r of out) console.log(`${r.access_key}  ${r.name}  ${r.balance} credits  ${r.active} active  ${r.created_at}`);
    });
  keys.command('credit')
    .description('add credits to a key')
    .argument('<access_key>')
    .argument('<credits>', 'credits to add', intOption(1, 1_000_000_000))
    .option('--data <dir>', 'data directory')
    .action(async (access: string, credits: number, opts: { data?: string }) => {
      const balance = await withKeys(opts.data, (k) => k.grant(access, credits));
      console.log(`${access}: ${balance} credits`);
    });
}
