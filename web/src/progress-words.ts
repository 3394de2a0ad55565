/**
 * A task's progress as a person reads it: "drawing 3 of 8 · about 1 s left", not "denoise 3/8". Pure (no DOM) so it
 * is tested on its own (test/progress-words.test.ts).
 */
export interface Snapshot {
  status: string;
  step: number | null;
  of: number | null;
  phase: string | null;
  elapsed_ms: number | null;
}

/** "about 4 s", "about 2 min": rounded the way a person would say it. */
export function aboutTime(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `about ${s} s`;
  return `about ${Math.round(s / 60)} min`;
}

export function progressWords(p: Snapshot): string {
  switch (p.status) {
    case 'queued': return 'waiting for a free worker';
    case 'succeeded': return 'done';
    case 'failed': return 'failed';
    case 'cancelled': return 'cancelled';
  }
  const { step, of, phase, elapsed_ms: elapsed } = p;
  if (phase === 'encode' || (step === null && of === null)) return 'reading the prompt';
  if ((phase === 'denoise' || phase === 'render') && step !== null && of) {
    const drawing = `drawing ${step} of ${of}`;
    // The time left from the pace so far: only once a step has been timed, else it is a guess.
    if (!elapsed || step < 1) return drawing;
    const left = (elapsed / step) * (of - step);
    return left < 500 ? `${drawing} · almost done` : `${drawing} · ${aboutTime(left)} left`;
  }
  if (phase === 'decode') return 'turning the drawing into frames';
  if (phase === 'video' || phase === 'done') return 'making the video file';
  return 'working';
}

/** "1 like", "2 likes", "0 views". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
