/**
 * How long a task will take, before it is made: the model's measured run time for its default settings
 * (GET /api/models: expected_run_s, default_steps, seconds) scaled by the steps and the length asked for — the
 * sampler's cost grows with steps, and a longer clip is drawn window after window — plus the wait for the tasks
 * queued ahead (queue_wait_s). Pure, so it is tested on its own (test/time-estimate.test.ts).
 */
export interface ModelTiming {
  /** The model's default clip length in seconds ("2"). */
  seconds: string;
  default_steps?: number | null;
  expected_run_s?: number;
  queue_wait_s?: number;
}

export interface TimeEstimate {
  /** Seconds of work once a worker takes it. */
  runS: number;
  /** Seconds before a worker is free. */
  waitS: number;
  /** Long enough that the form should say so (a setting made it a slow job). */
  slow: boolean;
}

/** A job above this many seconds is worth a warning next to the setting that made it slow. */
export const SLOW_JOB_S = 60;

export function estimateTime(m: ModelTiming, asked: { steps?: number | null; seconds?: string | null } = {}): TimeEstimate | null {
  if (m.expected_run_s === undefined || !(m.expected_run_s > 0)) return null;
  const steps = asked.steps && m.default_steps ? asked.steps / m.default_steps : 1;
  const baseSeconds = Number(m.seconds) || 1;
  const length = asked.seconds ? Math.max(1, Number(asked.seconds) / baseSeconds) : 1;
  const runS = m.expected_run_s * steps * length;
  const waitS = Math.max(0, m.queue_wait_s ?? 0);
  return { runS, waitS, slow: runS + waitS > SLOW_JOB_S };
}
