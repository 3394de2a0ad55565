/**
 * Scale-out throughput: `kineo serve` plus 1, 2 and 4 `kineo worker` processes on PostgreSQL, BullMQ (Redis) and
 * S3 (s3rver), for the oracle provider and the built-in model; tasks/s from the first create to the last finish,
 * scaling efficiency (throughput ÷ (workers × the 1-worker throughput)), and the lost and duplicated counts read
 * from the database (a task lost = not succeeded; duplicated = leased more than once or captured twice).
 *   npm run bench:scale [-- --json] [-- --workers 1,2,4] [-- --oracle-tasks 100] [-- --builtin-tasks 12]
 *                       [-- --providers oracle,builtin,remote] [-- --in-flight 1,4,16,64] [-- --remote-job-ms 15000]
 *                       [-- --remote-workers 2]
 * Every worker runs one job at a time with one ONNX thread, so the figures say how processes scale on this
 * machine's cores (2 here: beyond two workers they share cores, and the server and database share them too).
 *
 * `remote`: a remote provider of fixed latency — the `comfyui` kind against the fake ComfyUI of test/fakes with a
 * `--remote-job-ms` job (a GPU box's minute, shortened) and room for every job at once — with 1, 4, 16 and 64 jobs
 * in flight across `--remote-workers` `kineo worker` processes (N ÷ workers each), 3 × N tasks each. Its efficiency
 * is throughput ÷ (N × one job's throughput, 1 / job time): the queue and the provider's waiting are measured, not
 * the model. Beside it: where a task's time went (queue wait, run, the provider's share of the run) and the CPU
 * Kineo's processes (server, workers and their ffmpeg) spent per task.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { audit, Cluster, createMany, dbQuery, unfinished } from '../test/scale/cluster.js';
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
// A GPU box's minute, shortened 4×: long enough that the queue, not this machine's two cores, is what is measured
// (at 2 s a job, 64 in flight need 32 finishes a second — ~3 cores of Kineo, fake ComfyUI, S3 and PostgreSQL here).
const remoteJobMs = Number(opt('--remote-job-ms', '15000'));
const remoteWorkers = Number(opt('--remote-workers', '2'));

interface Phases { waitMs: number; runMs: number; remoteMs: number }
interface Run { workers: number; provider: string; model: string; tasks: number; seconds: number; throughput: number; efficiency: number; lost: number; duplicated: number; phases: Phases; cpuMsPerTask: number }

/** CPU time of a process and its reaped children (ffmpeg), in ms: what Kineo's own processes spend per task. */
function cpuMs(pids: (number | undefined)[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      return NaN; // not Linux, or gone
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Where a task's time went (means): created → leased (the queue), leased → finished, and the provider's own share of that. */
async function phases(c: Cluster, ids: string[]): Promise<Phases> {
  const rows = await dbQuery<{ created_at: string; started_at: string | null; completed_at: string | null; meta: string | null }>(c, 'select created_at, started_at, completed_at, meta from tasks where id = any($1)', [ids]);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  return {
    waitMs: mean(rows.filter((r) => r.started_at).map((r) => Number(r.started_at) - Number(r.created_at))),
    runMs: mean(rows.filter((r) => r.started_at && r.completed_at).map((r) => Number(r.completed_at) - Number(r.started_at))),
    remoteMs: mean(rows.map((r) => Number((JSON.parse(r.meta ?? '{}') as { timingsMs?: { remote?: number } }).timingsMs?.remote ?? NaN)).filter(Number.isFinite)),
  };
}
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
      const workers = await Promise.all(Array.from({ length: n }, () => c.worker()));
      const pids = [server.child.pid, ...workers.map((w) => w.child.pid)];
      const count = tasksOf[provider]!;
      log(`${provider}: ${n} worker(s), ${count} tasks…`);
      const cpu0 = cpuMs(pids);
      const t0 = performance.now();
      const ids = await createMany(server.url, key.secret_key, count, model);
      await waitFor(async () => (await unfinished(c)) === 0, 1_800_000, 100);
      const seconds = (performance.now() - t0) / 1000;
      const result = await audit(c, ids);
      runs.push({ workers: n, provider, model, tasks: count, seconds, throughput: count / seconds, efficiency: 0, lost: result.lost, duplicated: result.duplicated + result.capturesPerTask.filter((k) => k > 1).length, phases: await phases(c, ids), cpuMsPerTask: (cpuMs(pids) - cpu0) / count });
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
        lengthMultiple: 4, lengthPlus: 1, steps: 4, pollMs: 500, workers: 0, concurrency: Math.ceil(n / Math.min(remoteWorkers, n)), expectedRunS: remoteJobMs / 1000,
      }],
    } as never);
    try {
      const key = c.createKey(100_000);
      const server = await c.serve();
      const workers = await Promise.all(Array.from({ length: Math.min(remoteWorkers, n) }, () => c.worker()));
      const pids = [server.child.pid, ...workers.map((w) => w.child.pid)];
      const count = 3 * n;
      log(`remote (${remoteJobMs} ms a job): ${n} in flight over ${workers.length} worker(s), ${count} tasks…`);
      const cpu0 = cpuMs(pids);
      const t0 = performance.now();
      const ids = await createMany(server.url, key.secret_key, count, 'wan-fake');
      await waitFor(async () => (await unfinished(c)) === 0, 1_800_000, 100);
      const seconds = (performance.now() - t0) / 1000;
      const result = await audit(c, ids);
      const prompts = new Map<string, number>();
      for (const p of fake.prompts) for (const id of ids) if (p.text.includes(id)) prompts.set(id, (prompts.get(id) ?? 0) + 1);
      const twice = [...prompts.values()].filter((k) => k > 1).length; // a task run twice on the "GPU"
      runs.push({ workers: n, provider: 'remote', model: 'wan-fake', tasks: count, seconds, throughput: count / seconds, efficiency: 0, lost: result.lost, duplicated: result.duplicated + result.capturesPerTask.filter((k) => k > 1).length + twice, phases: await phases(c, ids), cpuMsPerTask: (cpuMs(pids) - cpu0) / count });
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
  console.log(JSON.stringify({ runs: runs.map((r) => ({ ...r, cpuMsPerTask: Math.round(r.cpuMsPerTask), throughput: +r.throughput.toFixed(3), seconds: +r.seconds.toFixed(2), efficiency: +r.efficiency.toFixed(3) })), lost, duplicated, cores: cpus().length }, null, 2));
} else {
  console.log('provider   workers  tasks  seconds  tasks/s  efficiency  lost  duplicated  wait ms  run ms  remote ms  CPU ms/task   (remote: workers = jobs in flight; efficiency vs N / job time)');
  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');
  for (const r of runs) {
    console.log(`${r.model.padEnd(10)} ${String(r.workers).padStart(7)} ${String(r.tasks).padStart(6)} ${r.seconds.toFixed(1).padStart(8)} ${r.throughput.toFixed(2).padStart(8)} ${(r.efficiency * 100).toFixed(0).padStart(10)}% ${String(r.lost).padStart(5)} ${String(r.duplicated).padStart(11)} ${ms(r.phases.waitMs).padStart(8)} ${ms(r.phases.runMs).padStart(7)} ${ms(r.phases.remoteMs).padStart(10)} ${ms(r.cpuMsPerTask).padStart(12)}`);
  }
  console.log(`lost ${lost}, duplicated ${duplicated}; ${cpus().length} cores, 1-min load average ${loadavg()[0]!.toFixed(2)} (server, Redis, PostgreSQL and workers share them)`);
}
process.exit(lost || duplicated ? 1 : 0);
