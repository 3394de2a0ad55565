/** Test servers started inside tests (kept out of helpers.ts, which benchmarks import outside vitest). */
import { afterEach } from 'vitest';
import { startServer, type TestServer } from './helpers.js';

/** startServer for a file whose tests start their own servers: each is stopped after its test. */
export function startServerPerTest(): typeof startServer {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
  });
  return async (...args) => {
    const s = await startServer(...args);
    servers.push(s);
    return s;
  };
}
