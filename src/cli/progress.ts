/** A progress bar on stderr for long work: count, rate and time left; plain lines when not a terminal. */
export interface Progress {
  tick(done: number): void;
  finish(): void;
}

export function createProgress(label: string, total: number, unit: string): Progress {
  const start = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastPrint = 0;
  const render = (done: number, final: boolean) => {
    const seconds = (performance.now() - start) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const width = 28;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const text = `${label} ${bar} ${done}/${total} ${unit}  ${rate.toFixed(1)} ${unit}/s  ${final ? `${seconds.toFixed(1)}s` : `ETA ${eta.toFixed(0)}s`}`;
    if (tty) process.stderr.write(`\r${text}${final ? '\n' : ''}`);
    else process.stderr.write(`${text}\n`);
  };
  return {
    tick(done) {
      const now = performance.now();
      if (now - lastPrint < (tty ? 100 : 5000)) return;
      lastPrint = now;
      render(done, false);
    },
    finish() {
      render(total, true);
    },
  };
}
