/**
 * Flow-matching schedulers (the model predicts the velocity v = noise − x0; σ runs from 1, pure noise, to 0).
 * A scheduler is a tiny pure object: setTimesteps() once, then step() per model call. Everything is float32,
 * like the latents the model reads.
 */
export interface FlowScheduler {
  readonly name: string;
  /** σ values the model is evaluated at, in call order (a second-order solver calls twice per step). */
  readonly timesteps: Float32Array;
  /** Number of user-visible steps (progress counts these). */
  readonly steps: number;
  /** Advances `sample` given the model's velocity at timesteps[callIndex]; returns the new sample. */
  step(velocity: Float32Array, callIndex: number, sample: Float32Array): Float32Array;
}

/** σ' = s·σ / (1 + (s − 1)·σ): s > 1 spends more steps at high noise, where structure is decided. */
export function shiftSigma(sigma: number, shift: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma);
}

/** `steps` σ values from 1 down to 1/steps, shifted, followed by the terminal 0. */
export function flowSigmas(steps: number, shift: number): Float32Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a whole number ≥ 1, got ${steps}`);
  if (!(shift > 0)) throw new RangeError(`shift must be > 0, got ${shift}`);
  const sigmas = new Float32Array(steps + 1);
  for (let i = 0; i <= steps; i++) sigmas[i] = shiftSigma(1 - i / steps, shift);
  return sigmas;
}

/** out = a + h·v, elementwise, in float32. */
export function axpy(a: Float32Array, h: number, v: Float32Array): Float32Array {
  if (a.length !== v.length) throw new RangeError(`sample has ${a.length} values but the velocity ${v.length}`);
  const out = new Float32Array(a.length);
  const hf = Math.fround(h);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + hf * v[i]!;
  return out;
}
