import { describe, expect, it } from 'vitest';
import { estimateTime, SLOW_JOB_S } from '../web/src/time-estimate.js';

const mini = { seconds: '2', default_steps: 8, expected_run_s: 1.5, queue_wait_s: 0 };

describe('the studio\'s time estimate', () => {
  it('scales the measured run time by the steps and the length asked for', () => {
    expect(estimateTime(mini)).toEqual({ runS: 1.5, waitS: 0, slow: false });
    expect(estimateTime(mini, { steps: 16 })!.runS).toBe(3);
    expect(estimateTime(mini, { seconds: '10' })!.runS).toBe(7.5);
    expect(estimateTime(mini, { steps: 4, seconds: '4' })!.runS).toBe(1.5);
  });
  it('adds the queue ahead and says when the job will be slow', () => {
    expect(estimateTime({ ...mini, queue_wait_s: 12 })).toMatchObject({ waitS: 12, slow: false });
    const slow = estimateTime(mini, { steps: 100, seconds: '10' })!;
    expect(slow.runS).toBeGreaterThan(SLOW_JOB_S);
    expect(slow.slow).toBe(true);
    expect(estimateTime({ ...mini, queue_wait_s: SLOW_JOB_S + 1 })!.slow).toBe(true);
  });
  it('keeps the run time when the model has no default steps, and gives none without a measure', () => {
    expect(estimateTime({ seconds: '5', default_steps: null, expected_run_s: 60 }, { steps: 40 })!.runS).toBe(60);
    expect(estimateTime({ seconds: '2' })).toBeNull();
  });
});
