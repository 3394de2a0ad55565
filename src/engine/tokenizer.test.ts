import { describe, expect, it } from 'vitest';
import { buildVocabulary, tokenize } from './tokenizer.js';
import { createRng } from '../world/random.js';
import { sampleAnyLabels } from '../world/splits.js';
import { captionFor } from '../world/captions.js';

describe('the tokenizer', () => {
  const vocab = buildVocabulary();

  it('knows every word of every caption the grammar writes, within the token limit', () => {
    const rng = createRng(5);
    let longest = 0;
    for (let i = 0; i < 3000; i++) {
      const tokens = tokenize(captionFor(sampleAnyLabels(rng), rng), vocab);
      expect(tokens.unknownWords).toEqual([]);
      expect(tokens.truncated).toEqual([]);
      longest = Math.max(longest, tokens.mask.reduce((a, b) => a + b, 0));
    }
    expect(longest).toBeLessThanOrEqual(vocab.maxTokens);
  });

  it('maps unknown words to <unk> and reports each once', () => {
    const t = tokenize('A purple cat, a purple dog!', vocab);
    expect(t.unknownWords).toEqual(['purple']);
    expect(t.ids.slice(0, 6)).toEqual([vocab.tokens.indexOf('a'), 1, vocab.tokens.indexOf('cat'), vocab.tokens.indexOf('a'), 1, vocab.tokens.indexOf('dog')]);
    expect(t.ids).toHaveLength(vocab.maxTokens);
    expect(t.mask.filter(Boolean)).toHaveLength(6);
  });

  it('reports the words it had to cut from an overlong caption', () => {
    const t = tokenize(Array.from({ length: 40 }, () => 'cat').join(' '), vocab);
    expect(t.truncated).toHaveLength(8);
  });
});
