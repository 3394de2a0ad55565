/**
 * Scale-out throughput: `kineo serve` plus 1, 2 and 4 `kineo worker` processes on PostgreSQL, BullMQ (Redis) and
 * S3 (s3rver), for the oracle provider and the built-in model; tasks/s from the first create to the last finish,
 * scaling efficiency (throughput ÷ (workers × the 1-worker throughput)), and the lost and duplicated counts read
 * from the database (a task lost = not succeeded; duplicated = leased more than once or captured twice).
 *   npm run bench:scale [-- --json] [-- --workers 1,2,4] [-- --oracle-tasks 100] [-- --builtin-tasks 12]
 *                       [-- --providers oracle,builtin,remote] [-- --in-flight 1,4,16,64] [-- --remote-job-ms 2000]
 * Every worker runs one job at a time with one ONNX thread, so the figures say how processes scale on this
 * machine's cores (2 here: beyond two workers they share cores, and the server and database share them too).
 *
 * `remote`: a remote provider of fixed latency — the `comfyui` kind against the fake ComfyUI of test/fakes with a
 * `--remote-job-ms` job (a GPU box's minute, shortened) and room for every job at once — with 1, 4, 16 and 64 jobs
 * in flight (one `kineo worker` whose instance concurrency is N), 3 × N tasks each. Its efficiency is throughput ÷
 * (N × one job's throughput, 1 / job time): the queue and the provider's waiting are measured, not the model.
 */
import { cpus, loadavg } from 'node:os';
import { audit, Cluster, createMany, unfinished } from '../test/scale/cluster.js';
import { fileURLToPath } from 'node:url';
import { startFakeComfyUI } from '../test/fakes/comfyui-server.js';
import { waitFor } from '../test/server/helpers.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const json = args.includes('--json');
const workerCounts = opt('--workers', '1,2,4').split(',').map(Number);
const tasksOf: Record<string, number> = { oracle: Number(opt('--oracle-tasks', '100')), builtin: Number(opt('--builtin-tasks', '12')) };
const providers = opt('--providers', 'oracle,builtin,remote').split(',');
const inFlight = opt('--in-flight', '1,4,16,64').split(',').map(Number);
const remoteJobMs = Number(opt('--remote-job-ms', '2000'));

interface Run { workers: number; provider: string; model: string; tasks: number; seconds: number; throughput: number; efficiency: number; lost: number; duplicated: number }
const runs: Run[] = [];
const log = (s: string) => { if (!json) process.stderr.write(`${s}\n`); };

for (const provider of providers.filter((p) => p !== 'remote')) {
  const model = provider === 'builtin' ? 'kineo-mini' : 'oracle';
  for (const n of workerCounts) {
    const c = await Cluster.create({
      logLevel: 'info', // the harness reads the start lines; requests are not logged at info
      builtin: { threads: 1, preload: false },
      queue: { perKeyActive: 100_000, maxQueued: 100_000, pollMs: 200 },
      workerConcurrency: { builtin: provider === 'builtin' ? 1 : 0, oracle: provider === 'oracle' ? 1 : 0 },
    });
    try {
      const key = c.createKey(100_000);
      const server = await c.serve();
      await Promise.all(Array.from({ length: n }, () => c.worker()));
      const count = tasksOf[provider]!;
      log(`${provider}: ${n} worker(s), ${count} tasks…`);
      const t0 = performance.now();
      const ids = await createMany(server.url, key.secret_key, count, model);
      await waitFor(async () => (await unfinished(c)) === 0, 1_800_000, 100);
      const seconds = (performance.now() - t0) / 1000;
      const result = await audit(c, ids);
      runs.push({ workers: n, provider, model, tasks: count, seconds, throughput: count / seconds, efficiency: 0, lost: result.lost, duplicated: result.duplicated + result.capturesPerTask.filter((k) => k > 1).length });
    } finally {
      await c.close();
    }
  }
}
/** A remote provider of fixed latency at N jobs in flight: `workers` below is N, the jobs in flight. */
if (providers.includes('remote')) {
  const workflow = fileURLToPath(new URL('../examples/comfyui/wan2.2-t2v.json', import.meta.url));
  for (const n of inFlight) {
    const fake = await startFakeComfyUI({ jobMs: remoteJobMs, concurrency: 10_000 });
    const c = await Cluster.create({
      logLevel: 'info',
      queue: { perKeyActive: 100_000, maxQueued: 100_000, pollMs: 200 },
      workerConcurrency: { builtin: 0, oracle: 0 },
      providers: [{
        name: 'gpu', kind: 'comfyui', url: fake.url, workflow, model: 'wan-fake', sizes: { '1:1': '64x64' }, seconds: ['1'], fps: 8,
        lengthMultiple: 4, lengthPlus: 1, steps: 4, pollMs: 500, workers: 0, concurrency: n, expectedRunS: remoteJobMs / 1000,
      }],
    } as never);
    try {
      const key = c.createKey(100_000);
      const server = await c.serve();
      await c.worker();
      const count = 3 * n;
      log(`remote (${remoteJobMs} ms a job): ${n} in flight, ${count} tasks…`);
      const t0 = performance.now();
      const ids = await createMany(server.url, key.secret_key, count, 'wan-fake');
      await waitFor(async () => (await unfinished(c)) === 0, 1_800_000, 100);
      const seconds = (performance.now() - t0) / 1000;
      const result = await audit(c, ids);
      const prompts = new Map<string, number>();
      for (const p of fake.prompts) for (const id of ids) if (p.text.includes(id)) prompts.set(id, (prompts.get(id) ?? 0) + 1);
      const twice = [...prompts.values()].filter((k) => k > 1).length; // a task run twice on the "GPU"
      runs.push({ workers: n, provider: 'remote', model: 'wan-fake', tasks: count, seconds, throughput: count / seconds, efficiency: 0, lost: result.lost, duplicated: result.duplicated + result.capturesPerTask.filter((k) => k > 1).length + twice });
    } finally {
      await c.close();
      await fake.close();
    }
  }
}
for (const r of runs) {
  const one = r.provider === 'remote' ? { throughput: 1000 / remoteJobMs } : runs.find((x) => x.provider === r.provider && x.workers === 1);
  r.efficiency = one ? r.throughput / (r.workers * one.throughput) : NaN;
}
const lost = runs.reduce((a, r) => a + r.lost, 0);
const duplicated = runs.reduce((a, r) => a + r.duplicated, 0);
if (json) {
  console.log(JSON.stringify({ runs: runs.map((r) => ({ ...r, throughput: +r.throughput.toFixed(3), seconds: +r.seconds.toFixed(2), efficiency: +r.efficiency.toFixed(3) })), lost, duplicated, cores: cpus().length }, null, 2));
} else {
  console.log('provider   workers  tasks  seconds  tasks/s  efficiency  lost  duplicated   (remote: workers = jobs in flight; efficiency vs N / job time)');
  for (const r of runs) {
    console.log(`${r.model.padEnd(10)} ${String(r.workers).padStart(7)} ${String(r.tasks).padStart(6)} ${r.seconds.toFixed(1).padStart(8)} ${r.throughput.toFixed(2).padStart(8)} ${(r.efficiency * 100).toFixed(0).padStart(10)}% ${String(r.lost).padStart(5)} ${String(r.duplicated).padStart(11)}`);
  }
  console.log(`lost ${lost}, duplicated ${duplicated}; ${cpus().length} cores, 1-min load average ${loadavg()[0]!.toFixed(2)} (server, Redis, PostgreSQL and workers share them)`);
}
process.exit(lost || duplicated ? 1 : 0);
