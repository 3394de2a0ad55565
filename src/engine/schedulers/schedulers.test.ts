import { describe, expect, it } from 'vitest';
import { flowSigmas, shiftSigma } from './scheduler.js';
import { flowEuler } from './flow-euler.js';
import { flowHeun } from './flow-heun.js';
import type { FlowScheduler } from './scheduler.js';

/** Runs a scheduler with a velocity field given as a function of (x, σ). */
function integrate(s: FlowScheduler, x0: number, v: (x: number, sigma: number) => number): { x: number; calls: number } {
  let x: Float32Array = Float32Array.of(x0);
  s.timesteps.forEach((sigma, i) => {
    x = s.step(Float32Array.of(v(x[0]!, sigma)), i, x);
  });
  return { x: x[0]!, calls: s.timesteps.length };
}

describe('flow-matching schedulers', () => {
  it('shift keeps the ends and pushes the middle towards noise', () => {
    expect(shiftSigma(1, 3)).toBe(1);
    expect(shiftSigma(0, 3)).toBe(0);
    expect(shiftSigma(0.5, 3)).toBeCloseTo(0.75, 6);
    const sigmas = flowSigmas(4, 1);
    expect(Array.from(sigmas)).toEqual([1, 0.75, 0.5, 0.25, 0]);
  });

  it('Euler lands exactly on the data for a straight flow (constant velocity), with any shift', () => {
    // x_σ = (1−σ)·x0 + σ·ε has constant velocity ε − x0: straight paths are what rectified flow learns.
    const x0 = 0.3;
    const eps = -1.2;
    for (const shift of [1, 3]) {
      const { x, calls } = integrate(flowEuler(7, shift), eps, () => eps - x0);
      expect(x).toBeCloseTo(x0, 5);
      expect(calls).toBe(7);
    }
  });

  it('Heun is more accurate than Euler on a curved flow at the same number of steps', () => {
    // dx/dσ = x has the solution x(σ) = x(1)·e^(σ−1); integrating from σ=1 to 0 gives x(1)/e.
    const exact = 1 / Math.E;
    const euler = integrate(flowEuler(6), 1, (x) => x);
    const heun = integrate(flowHeun(6), 1, (x) => x);
    expect(heun.calls).toBe(11);
    expect(Math.abs(heun.x - exact)).toBeLessThan(Math.abs(euler.x - exact) / 3);
  });

  it('refuses nonsense settings and out-of-order calls with a clear error', () => {
    expect(() => flowEuler(0)).toThrow(/steps must be/);
    expect(() => flowEuler(4, -1)).toThrow(/shift must be/);
    expect(() => flowEuler(4).step(new Float32Array(1), 4, new Float32Array(1))).toThrow(/outside/);
    expect(() => flowEuler(4).step(new Float32Array(2), 0, new Float32Array(1))).toThrow(/velocity/);
    expect(() => flowHeun(3).step(new Float32Array(1), 1, new Float32Array(1))).toThrow(/must follow/);
  });
});
