/** Runs the bundled ffmpeg (src/engine/ffmpeg.ts finds it): collect its stdout, or feed its stdin with backpressure. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { ffmpegPath } from '../engine/ffmpeg.js';

function start(args: string[]): { child: ChildProcessWithoutNullStreams; done: Promise<Buffer> } {
  const child = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { stdio: 'pipe' });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<Buffer>((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`could not run ffmpeg (${err.message}); set FFMPEG_PATH to an ffmpeg binary`)));
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg failed (exit ${code}): ${stderr.trim().slice(-2000)}`))));
  });
  return { child, done };
}

/** ffmpeg with no input on stdin; resolves with everything it wrote to stdout. */
export async function runFfmpeg(args: string[]): Promise<Buffer> {
  const { child, done } = start(args);
  child.stdin.end();
  return done;
}

/** ffmpeg reading `frames` (raw bytes) from stdin, written one at a time as the pipe drains. */
export async function pipeToFfmpeg(args: string[], frames: Iterable<Uint8Array>, signal?: AbortSignal): Promise<Buffer> {
  // `-nostdin` only turns off interactive keys; `-i pipe:0` still reads the data.
  const { child, done } = start(args);
  child.stdin.on('error', () => {}); // a failed ffmpeg closes its stdin; its exit code says why
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let failed = false;
    void done.catch(() => (failed = true));
    for (const frame of frames) {
      if (signal?.aborted || failed || child.stdin.destroyed) break;
      if (!child.stdin.write(frame)) await Promise.race([once(child.stdin, 'drain'), done.catch(() => undefined)]);
    }
    child.stdin.end();
    const out = await done;
    if (signal?.aborted) throw new Error('stopped');
    return out;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
