/** The prompt check before submit: the words the model's vocabulary does not know, and what a clip costs. */
import { buildVocabulary, tokenize, type Vocabulary } from '../../engine/tokenizer.js';

export interface PromptCheck {
  unknown_words: string[];
  negative_unknown_words: string[];
  truncated: string[];
  max_tokens: number;
  price_per_clip: number;
}

export class PromptsService {
  // kineo-mini's vocab.json is built from the same caption grammar (engine/tokenizer.ts buildVocabulary).
  private readonly vocab: Vocabulary = buildVocabulary();

  constructor(private readonly pricePerClip: number) {}

  check(prompt: string, negativePrompt?: string): PromptCheck {
    const t = tokenize(prompt, this.vocab);
    const n = negativePrompt?.trim() ? tokenize(negativePrompt, this.vocab) : undefined;
    return {
      unknown_words: [...new Set(t.unknownWords)], negative_unknown_words: [...new Set(n?.unknownWords ?? [])],
      truncated: t.truncated, max_tokens: this.vocab.maxTokens, price_per_clip: this.pricePerClip,
    };
  }
}
