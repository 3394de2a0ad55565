/**
 * Issue 26's two load figures, in one run: 100 concurrent wrong sign-ins (with the default per-address limit, and
 * with the limits raised so that all 100 are hashed) while /healthz is asked in a loop — its p50 / p99; and a webhook
 * receiver answering 1 GiB: the RSS of this process (server and receiver) before and after the delivery, warm.
 *   node --expose-gc --import tsx bench/security.ts   (npm run bench:security)
 */
import { createServer } from 'node:http';
import { call, startServer, waitFor } from '../test/server/helpers.js';

for (const limit of [undefined, 1000] as const) {
  const server = await startServer({ auth: { mode: 'accounts', ...(limit ? { attemptsPerMinute: limit, failuresPerAccount: 1000 } : {}) }, workers: { oracle: 0, builtin: 0 }, builtin: { preload: false } });
  await call(server.url, 'POST', '/api/auth/signup', { json: { username: 'victim', password: 'correct horse battery' } });
  let done = false;
  const attempts = Promise.all(Array.from({ length: 100 }, (_, i) => call(server.url, 'POST', '/api/auth/signin', { json: { username: i % 2 ? 'victim' : `nobody${i}`, password: `wrong ${i}` } }))).finally(() => (done = true));
  const lat: number[] = [];
  const t0 = performance.now();
  while (!done || lat.length < 50) {
    const t = performance.now();
    await fetch(`${server.url}/healthz`).then((r) => r.text());
    lat.push(performance.now() - t);
    if (performance.now() - t0 > 60_000) break;
  }
  const answers = await attempts;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(1);
  console.log(`limit ${limit ?? 'default'}: 100 wrong sign-ins (${answers.filter((r) => r.status === 401).length}×401, ${answers.filter((r) => r.status === 429).length}×429) over ${((performance.now() - t0) / 1000).toFixed(1)} s; /healthz n=${lat.length} p50 ${q(0.5)} ms p99 ${q(0.99)} ms max ${lat[lat.length - 1]!.toFixed(1)} ms`);
  await server.stop();
}

const chunk = Buffer.alloc(1 << 20, 120);
let sent = 0;
const receiver = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(1 << 30) });
  let i = 0;
  const pump = () => { while (i < 1024) { i++; sent += chunk.length; if (!res.write(chunk)) { res.once('drain', pump); return; } } res.end(); };
  res.on('close', () => { i = 1024; });
  pump();
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const port = (receiver.address() as { port: number }).port;
{
const server = await startServer({ oracle: { delayMs: 0 } });
const token = server.key.secret_key;
// warm: one task without a webhook first, so the figure is the delivery's, not the first task's
const w = await call(server.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a dog runs on the grass' } });
await waitFor(async () => (await call(server.url, 'GET', `/api/tasks/${w.body.id}`, { token })).body.status === 'succeeded', 60_000, 100);
await call(server.url, 'POST', '/api/webhooks', { token, json: { url: `http://127.0.0.1:${port}/hook` } });
global.gc?.();
const before = process.memoryUsage().rss;
const t = await call(server.url, 'POST', '/api/tasks', { token, json: { model: 'oracle', prompt: 'a cat jumps on the beach' } });
const d = await waitFor(async () => { const r = await call(server.url, 'GET', `/api/webhooks/deliveries?task_id=${t.body.id}`, { token }); return r.body.data.find((x: { status: string }) => x.status !== 'pending') ?? false; }, 60_000, 100);
global.gc?.();
const after = process.memoryUsage().rss;
console.log(`1 GiB answer: delivery ${d.status}, receiver wrote ${(sent / 2 ** 20).toFixed(0)} MiB before the close; RSS ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB (+${((after - before) / 2 ** 20).toFixed(1)} MiB, server and receiver in one process)`);
await server.stop(); receiver.close();
}
process.exit(0);
