/** The `kineo` CLI in child processes, for benchmarks: run a command to its end, or start a server and get its URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/kineo.mjs', import.meta.url));

/** Runs `kineo <cmd>` and resolves with its stdout (rejects on a non-zero exit). */
export function runKineo(cmd: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kineo ${cmd.join(' ')} exited ${code}`))));
  });
}

/** Starts `kineo serve` on a free port and resolves once it listens, with its base URL (from the log line or the banner). */
export function startServe(data: string, config: string): Promise<{ server: ChildProcess; base: string }> {
  const server = spawn(process.execPath, [BIN, 'serve', '--data', data, '--port', '0', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out) ?? /Kineo studio: (http:\/\/[^/\s]+)/.exec(out);
      if (m) resolve({ server, base: m[1]! });
    });
    server.on('exit', (code) => reject(new Error(`kineo serve exited ${code}`)));
  });
}
