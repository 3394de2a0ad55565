/**
 * The studio's languages without a browser: the Chinese dictionary fills the same holes as the English one, plurals
 * follow each language's rules, the browser's languages pick the studio's, every shipped effect template has a
 * Chinese name, the Chinese example prompts are read as the English ones are, and no Chinese sentence is left in
 * English (the type of zh.ts already makes a missing key a compile error).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { en } from '../web/src/i18n/en.js';
import { zh } from '../web/src/i18n/zh.js';
import { detectLang, translator, type Entry } from '../web/src/i18n/core.js';
import { EFFECT_TEXT } from '../web/src/i18n/effects.js';
import { EXAMPLES, EXAMPLES_ZH } from '../web/src/examples.js';
import { normalisePrompt } from '../src/world/normalise.js';
import { ZH_ALLOWED } from './i18n-allowed.js';

const holes = (entry: Entry) => new Set([...(typeof entry === 'string' ? [entry] : Object.values(entry))].flatMap((s) => [...s!.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));

describe('the studio\'s languages', () => {
  it('has every English sentence in Chinese with no hole the English lacks, and plurals that name their number', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [key, entry] of Object.entries(en) as [keyof typeof en, Entry][]) {
      const zhHoles = holes(zh[key]);
      for (const h of zhHoles) expect(holes(entry), `${key}: {${h}}`).toContain(h);
      if (typeof entry !== 'string') expect(holes(entry), key).toContain('n');
    }
  });

  it('leaves no English word in a Chinese sentence but names, units and a few technical terms', () => {
    const left: string[] = [];
    for (const [key, entry] of Object.entries(zh)) {
      for (const s of typeof entry === 'string' ? [entry] : Object.values(entry) as string[]) {
        const words: string[] = s.replace(/\{\w+\}/g, '').match(/[A-Za-z][A-Za-z0-9]+/g) ?? [];
        left.push(...words.filter((w: string) => !ZH_ALLOWED.has(w.toLowerCase())).map((w: string) => `${key}: ${w}`));
      }
    }
    expect(left).toEqual([]);
  });

  it('fills holes and chooses plural forms by each language\'s rules', () => {
    const t = translator('en');
    const z = translator('zh');
    expect(t('count.likes', { n: 1 })).toBe('1 like');
    expect(t('count.likes', { n: 2 })).toBe('2 likes');
    expect(t('create.credits', { n: 0 })).toBe('0 credits');
    expect(z('count.likes', { n: 1 })).toBe('1 个赞');
    expect(z('count.views', { n: 3 })).toBe('3 次播放');
    expect(t('tasks.meta', { model: 'oracle', seed: 7, time: '10:00' })).toBe('oracle · seed 7 · 10:00');
    expect(z.rich('notFound.body', { path: { tag: 'code' } })).toEqual(['工作室中没有 ', { tag: 'code' }, ' 这个页面，链接可能有误或已过期。']);
    expect(z.has('status.queued')).toBe(true);
    expect(z.has('status.nope')).toBe(false);
  });

  it('takes Chinese from the browser\'s first language it knows, else English', () => {
    expect(detectLang(['zh-CN', 'en-US'])).toBe('zh');
    expect(detectLang(['zh-TW'])).toBe('zh');
    expect(detectLang(['zh-Hans-CN'])).toBe('zh');
    expect(detectLang(['en-GB', 'zh-CN'])).toBe('en');
    expect(detectLang(['fr-FR', 'zh'])).toBe('zh');
    expect(detectLang(['de-DE'])).toBe('en');
    expect(detectLang([])).toBe('en');
  });

  it('names every effect template of the shipped catalog in Chinese', () => {
    const catalog = JSON.parse(readFileSync(new URL('../src/server/effects/catalog.json', import.meta.url), 'utf8')) as { templates: { id: string }[] };
    for (const { id } of catalog.templates) expect(EFFECT_TEXT.zh[id], id).toBeDefined();
  });

  it('reads each Chinese example prompt as the English one beside it, with every word used', () => {
    expect(EXAMPLES_ZH).toHaveLength(EXAMPLES.length);
    for (const [i, prompt] of EXAMPLES_ZH.entries()) {
      const reading = normalisePrompt(prompt);
      expect(reading.unused, prompt).toEqual([]);
      expect(reading.concepts, prompt).toEqual(normalisePrompt(EXAMPLES[i]!).concepts);
    }
  });
});
