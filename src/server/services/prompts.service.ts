/** The prompt check before submit: the words the model's vocabulary does not know, and what a clip costs. */
import { buildVocabulary, tokenize, type Vocabulary } from '../../engine/tokenizer.js';

export interface PromptCheck {
  unknown_words: string[];
  negative_unknown_words: string[];
  truncated: string[];
  max_tokens: number;
  price_per_clip: number;
}

/** Emoji (with their joiners and variation selectors): the tokenizer drops them without a word. */
const EMOJI = /\p{Extended_Pictographic}(?:\u{FE0F}|\u{200D}\p{Extended_Pictographic}|\p{Emoji_Modifier})*/gu;

/** The words the model does not know, and the emoji it cannot read (dropped silently otherwise). */
function unknownOf(text: string, unknownWords: string[]): string[] {
  return [...new Set([...unknownWords, ...(text.match(EMOJI) ?? [])])];
}

export class PromptsService {
  // kineo-mini's vocab.json is built from the same caption grammar (engine/tokenizer.ts buildVocabulary).
  private readonly vocab: Vocabulary = buildVocabulary();

  constructor(private readonly pricePerClip: number) {}

  check(prompt: string, negativePrompt?: string): PromptCheck {
    const t = tokenize(prompt, this.vocab);
    const n = negativePrompt?.trim() ? tokenize(negativePrompt, this.vocab) : undefined;
    return {
      unknown_words: unknownOf(prompt, t.unknownWords), negative_unknown_words: n ? unknownOf(negativePrompt!, n.unknownWords) : [],
      truncated: t.truncated, max_tokens: this.vocab.maxTokens, price_per_clip: this.pricePerClip,
    };
  }
}
