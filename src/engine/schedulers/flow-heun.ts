/**
 * Heun (second order) for flow matching: a predictor Euler step, the model again at σ_next, then the average
 * of both velocities. Two model calls per step except the last, whose σ_next = 0 makes Euler exact enough
 * (as Karras et al. do), so `steps` steps cost 2·steps − 1 calls.
 */
import { axpy, flowSigmas, type FlowScheduler } from './scheduler.js';

export function flowHeun(steps: number, shift = 1): FlowScheduler {
  const sigmas = flowSigmas(steps, shift);
  // Call plan: for step i < steps−1, calls at σ_i (predict) and σ_{i+1} (correct); the last step calls once.
  const plan: { step: number; phase: 'predict' | 'correct' | 'final' }[] = [];
  for (let i = 0; i < steps; i++) {
    if (i < steps - 1) plan.push({ step: i, phase: 'predict' }, { step: i, phase: 'correct' });
    else plan.push({ step: i, phase: 'final' });
  }
  const timesteps = Float32Array.from(plan, (p) => (p.phase === 'correct' ? sigmas[p.step + 1]! : sigmas[p.step]!));
  let origin: Float32Array | undefined;
  let firstVelocity: Float32Array | undefined;
  return {
    name: 'heun',
    steps,
    timesteps,
    step(velocity, callIndex, sample) {
      const p = plan[callIndex];
      if (!p) throw new RangeError(`call ${callIndex} is outside 0..${plan.length - 1}`);
      const h = sigmas[p.step + 1]! - sigmas[p.step]!;
      if (p.phase === 'final') return axpy(sample, h, velocity);
      if (p.phase === 'predict') {
        origin = sample;
        firstVelocity = velocity;
        return axpy(sample, h, velocity);
      }
      if (!origin || !firstVelocity) throw new Error('heun: a correct call must follow its predict call');
      const mean = new Float32Array(velocity.length);
      for (let i = 0; i < mean.length; i++) mean[i] = 0.5 * (firstVelocity[i]! + velocity[i]!);
      const next = axpy(origin, h, mean);
      origin = firstVelocity = undefined;
      return next;
    },
  };
}
