import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { casesFromPhrasings, conceptsMatch, heldoutPhrasings, readingAgreement } from './phrasings.js';
import { isHeldOut } from '../world/splits.js';
import { parseCaption } from '../world/parse.js';

describe('the held-out phrasings', () => {
  const entries = heldoutPhrasings();

  it('pair an English and a Chinese prompt over held-out combinations, none of them in the normaliser\'s own tests', () => {
    expect(entries.length).toBeGreaterThanOrEqual(110);
    const ids = new Set(entries.map((e) => e.id));
    for (const id of ids) expect(entries.filter((e) => e.id === id).map((e) => e.lang).sort(), id).toEqual(['en', 'zh']);
    for (const e of entries) expect(isHeldOut(e.labels), e.id).toBe(true);
    const ownTests = readFileSync(new URL('../world/normalise.test.ts', import.meta.url), 'utf8');
    for (const e of entries) expect(ownTests.includes(e.prompt), e.prompt).toBe(false);
  });

  it('are read as their labels on at least 95 % of prompts, in each language', () => {
    for (const lang of ['en', 'zh'] as const) {
      const { share, misread } = readingAgreement(entries.filter((e) => e.lang === lang));
      expect(share, `${lang}: ${JSON.stringify(misread)}`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('give English, Chinese and grammar cases with the same labels and seeds, pair by pair', () => {
    const [en, zh, grammar] = (['heldout-en', 'heldout-zh', 'heldout-grammar'] as const).map((set) => casesFromPhrasings(set, 1));
    expect(en!.length).toBe(entries.length / 2);
    expect(zh!.map((c) => [c.labels, c.seed])).toEqual(en!.map((c) => [c.labels, c.seed]));
    expect(grammar!.map((c) => [c.labels, c.seed])).toEqual(en!.map((c) => [c.labels, c.seed]));
    for (const c of grammar!) {
      const { object, motion, background } = c.labels;
      expect(conceptsMatch(parseCaption(c.caption).labels, { object, motion, background }), c.caption).toBe(true);
    }
  });
});
