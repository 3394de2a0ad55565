/**
 * One ad batch end to end on this machine: `kineo serve` in its own process (its configured workers, the builtin
 * model by default), one POST /api/batches of N variants, then the combined progress document polled until the zip
 * is delivered. Prints the wall time from submit to a downloaded zip, the generation and assembly phases, the
 * average per variant, and how many were delivered or failed.
 *   npm run bench:batch [-- --count 100] [-- --provider builtin|oracle] [-- --workers N] [-- --json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKineo, startServe } from './kineo-process.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const count = Number(arg('--count', '100'));
const provider = arg('--provider', 'builtin');
const workers = Number(arg('--workers', '1'));
const json = args.includes('--json');

const dir = mkdtempSync(join(tmpdir(), 'kineo-bench-batch-'));
const data = join(dir, 'data');

const config = join(dir, 'config.json');
writeFileSync(config, JSON.stringify({
  logLevel: 'warn', builtin: { preload: true }, workers: provider === 'builtin' ? { builtin: workers, oracle: 0 } : { builtin: 0, oracle: workers },
  queue: { maxQueued: 100_000 }, credits: { initial: 0 }, effects: { prerender: false }, // the batch alone in the queue
}));
const key = JSON.parse(await runKineo(['keys', 'create', '--name', 'bench', '--data', data, '--credits', String(count * 10), '--json'])) as { secret_key: string };
const { server, base } = await startServe(data, config);
const headers = { authorization: `Bearer ${key.secret_key}`, 'content-type': 'application/json' };
const get = async (path: string) => (await fetch(`${base}${path}`, { headers })).json() as Promise<any>;

// The model loads before the clock starts (readyz): the figure is the batch's, not the model's load time.
while ((await fetch(`${base}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 200));

const model = provider === 'oracle' ? 'oracle' : undefined;
const t0 = performance.now();
const res = await fetch(`${base}/api/batches`, {
  method: 'POST', headers,
  body: JSON.stringify({
    name: 'Crunchy Apple', product: { subject: 'a red apple' }, selling_points: ['100% organic', 'Picked today', 'Free delivery'],
    templates: ['squish', 'melt', 'bloom', 'explode'], aspect_ratios: ['9:16', '1:1', '16:9'], count, model, seed: 1,
  }),
});
const created = await res.json() as any;
if (res.status !== 201) throw new Error(`POST /api/batches answered ${res.status}: ${JSON.stringify(created)}`);
let batch = created;
let assemblingAt: number | undefined;
let last = '';
while (!['succeeded', 'partially_failed', 'failed', 'cancelled'].includes(batch.status)) {
  await new Promise((r) => setTimeout(r, 500));
  batch = await get(`/api/batches/${created.id}`);
  if (batch.status === 'assembling') assemblingAt ??= performance.now();
  const line = `${batch.status} ${batch.progress}% · ${batch.counts.succeeded} delivered · ${batch.counts.failed} failed`;
  if (!json && line !== last) process.stderr.write(`  ${((performance.now() - t0) / 1000).toFixed(1)} s  ${line}\n`);
  last = line;
}
let zipBytes = 0;
if (batch.zip) zipBytes = (await (await fetch(`${base}${batch.zip.download_url}`, { headers })).arrayBuffer()).byteLength;
const wallS = (performance.now() - t0) / 1000;
const generateS = ((assemblingAt ?? performance.now()) - t0) / 1000;
const result = {
  provider, model: batch.model, count, workers, cpus: availableParallelism(), status: batch.status,
  delivered: batch.counts.succeeded, failed: batch.counts.failed, retries: batch.counts.retries,
  wall_s: Number(wallS.toFixed(1)), generation_s: Number(generateS.toFixed(1)), assembly_s: Number((wallS - generateS).toFixed(1)),
  per_variant_s: Number((wallS / count).toFixed(2)), zip_mb: Number((zipBytes / 2 ** 20).toFixed(1)),
};
if (json) console.log(JSON.stringify(result));
else {
  console.log(`ad batch of ${count} variants on ${result.model} (${provider}, ${workers} worker${workers === 1 ? '' : 's'}, ${result.cpus} CPUs): ${result.status}`);
  console.log(`  delivered ${result.delivered}, failed ${result.failed}, retried ${result.retries}`);
  console.log(`  wall time to the zip: ${result.wall_s} s (generation ${result.generation_s} s, assembly ${result.assembly_s} s) · ${result.per_variant_s} s per variant · zip ${result.zip_mb} MiB`);
}
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
rmSync(dir, { recursive: true, force: true });
