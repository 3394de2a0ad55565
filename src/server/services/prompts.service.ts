/**
 * The prompt check before submit: how the model reads the prompt (the concepts it understood and the phrases it
 * cannot use, world/normalise.ts), the caption it will encode, and what a clip costs.
 */
import { buildVocabulary, tokenize, type Vocabulary } from '../../engine/tokenizer.js';
import { normalisePrompt, promptTable, type Concepts, type UnderstoodPhrase } from '../../world/normalise.js';

export interface PromptCheck {
  /** Phrases of the prompt the model cannot use, as written (the reading's `unused`). */
  unknown_words: string[];
  negative_unknown_words: string[];
  truncated: string[];
  max_tokens: number;
  price_per_clip: number;
  reading: {
    /** The caption the model's text encoder is given. */
    caption: string;
    concepts: Concepts;
    understood: UnderstoodPhrase[];
    unused: string[];
    /** False: the native API refuses this prompt (prompt_unusable) unless a picture or a video to extend is given. */
    usable: boolean;
  };
}

export class PromptsService {
  // kineo-mini's vocab.json is built from the same caption grammar (engine/tokenizer.ts buildVocabulary).
  private readonly vocab: Vocabulary = buildVocabulary();

  constructor(private readonly pricePerClip: number) {
    promptTable(); // built at start-up, so the first check answers as fast as the next
  }

  check(prompt: string, negativePrompt?: string): PromptCheck {
    const reading = normalisePrompt(prompt);
    const negative = negativePrompt?.trim() ? normalisePrompt(negativePrompt) : undefined;
    return {
      unknown_words: reading.unused, negative_unknown_words: negative?.unused ?? [],
      truncated: tokenize(reading.caption, this.vocab).truncated, max_tokens: this.vocab.maxTokens, price_per_clip: this.pricePerClip,
      reading,
    };
  }
}
