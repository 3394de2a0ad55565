/**
 * A task's progress as a person reads it: "drawing 3 of 8 · about 1 s left" (正在绘制 3/8 · 约剩 1 秒), not
 * "denoise 3/8". Pure (no DOM, no React) so it is tested on its own (test/progress-words.test.ts); the words come
 * from the studio's dictionaries, English unless a translator is given.
 */
import { translator, type Translator } from './i18n/core.js';

export interface Snapshot {
  status: string;
  step: number | null;
  of: number | null;
  phase: string | null;
  elapsed_ms: number | null;
}

const english = translator('en');

/** "about 4 s", "about 2 min": rounded the way a person would say it. */
export function aboutTime(ms: number, t: Translator = english): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return t('progress.aboutSeconds', { n: s });
  return t('progress.aboutMinutes', { n: Math.round(s / 60) });
}

export function progressWords(p: Snapshot, t: Translator = english): string {
  switch (p.status) {
    case 'queued': return t('progress.queued');
    case 'succeeded': return t('progress.done');
    case 'failed': return t('progress.failed');
    case 'cancelled': return t('progress.cancelled');
  }
  const { step, of, phase, elapsed_ms: elapsed } = p;
  if (phase === 'encode' || (step === null && of === null)) return t('progress.reading');
  if ((phase === 'denoise' || phase === 'render') && step !== null && of) {
    const drawing = t('progress.drawing', { step, of });
    // The time left from the pace so far: only once a step has been timed, else it is a guess.
    if (!elapsed || step < 1) return drawing;
    const left = (elapsed / step) * (of - step);
    return left < 500 ? t('progress.almostDone', { drawing }) : t('progress.left', { drawing, time: aboutTime(left, t) });
  }
  if (phase === 'decode') return t('progress.decoding');
  if (phase === 'video' || phase === 'done') return t('progress.video');
  return t('progress.working');
}
