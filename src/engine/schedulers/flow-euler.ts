/** Euler for flow matching with timestep shift: x ← x + (σ_next − σ)·v. One model call per step. */
import { axpy, flowSigmas, type FlowScheduler } from './scheduler.js';

export function flowEuler(steps: number, shift = 1): FlowScheduler {
  const sigmas = flowSigmas(steps, shift);
  return {
    name: 'euler',
    steps,
    timesteps: sigmas.slice(0, steps),
    step(velocity, callIndex, sample) {
      if (callIndex < 0 || callIndex >= steps) throw new RangeError(`call ${callIndex} is outside 0..${steps - 1}`);
      return axpy(sample, sigmas[callIndex + 1]! - sigmas[callIndex]!, velocity);
    },
  };
}
