import { describe, expect, it } from 'vitest';
import { aboutTime, progressWords } from '../web/src/progress-words.js';
import { translator } from '../web/src/i18n/core.js';

const running = (step: number | null, of: number | null, phase: string | null, elapsed: number | null) =>
  ({ status: 'running', step, of, phase, elapsed_ms: elapsed });
const zh = translator('zh');

describe('progress in words', () => {
  it('says which step is being drawn and how long is left at the pace so far', () => {
    expect(progressWords(running(3, 8, 'denoise', 600))).toBe('drawing 3 of 8 · about 1 s left');
    expect(progressWords(running(1, 10, 'render', 4000))).toBe('drawing 1 of 10 · about 36 s left');
    expect(progressWords(running(2, 40, 'denoise', 20_000))).toBe('drawing 2 of 40 · about 6 min left');
    expect(progressWords(running(8, 8, 'denoise', 4000))).toBe('drawing 8 of 8 · almost done');
  });
  it('names the phases around the drawing and the states a task waits or ends in', () => {
    expect(progressWords(running(0, 8, 'encode', 10))).toBe('reading the prompt');
    expect(progressWords(running(8, 8, 'decode', 900))).toBe('turning the drawing into frames');
    expect(progressWords(running(10, 10, 'video', 900))).toBe('making the video file');
    expect(progressWords({ status: 'queued', step: null, of: null, phase: null, elapsed_ms: null })).toBe('waiting for a free worker');
    expect(progressWords({ status: 'succeeded', step: 8, of: 8, phase: 'done', elapsed_ms: 1 })).toBe('done');
  });
  it('gives no time before a step has been timed', () => {
    expect(progressWords(running(0, 8, 'denoise', 100))).toBe('drawing 0 of 8');
  });
  it('rounds times and counts the way a person says them', () => {
    expect(aboutTime(200)).toBe('about 1 s');
    expect(aboutTime(125_000)).toBe('about 2 min');
    const en = translator('en');
    expect(en('count.likes', { n: 1 })).toBe('1 like');
    expect(en('count.likes', { n: 0 })).toBe('0 likes');
    expect(en('count.views', { n: 2 })).toBe('2 views');
  });
  it('says the same in Chinese, which has no plural', () => {
    expect(progressWords(running(3, 8, 'denoise', 600), zh)).toBe('正在绘制 3/8 · 约剩 1 秒');
    expect(progressWords(running(2, 40, 'denoise', 20_000), zh)).toBe('正在绘制 2/40 · 约剩 6 分钟');
    expect(progressWords(running(8, 8, 'denoise', 4000), zh)).toBe('正在绘制 8/8 · 马上就好');
    expect(progressWords({ status: 'queued', step: null, of: null, phase: null, elapsed_ms: null }, zh)).toBe('正在等待空闲的处理进程');
    expect(zh('count.likes', { n: 1 })).toBe('1 个赞');
    expect(zh('count.likes', { n: 2 })).toBe('2 个赞');
  });
});
