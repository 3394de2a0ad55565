/**
 * Cuts a free-form prompt (English, Chinese or both) into the tokens the normaliser matches: English words stemmed
 * (spinning/spun/spins → "spin"), each Chinese character on its own (Chinese has no spaces; the lexicon's phrases
 * are matched longest first over characters), emoji kept so they can be reported, and clause punctuation as
 * boundaries no phrase crosses. Every token keeps its place in the prompt, so what was not understood is reported
 * as written.
 */
import { ENGLISH_FILLER } from './prompt-lexicon.js';

export interface PromptToken {
  /** The token as written (after Unicode NFKC). */
  text: string;
  /** What the lexicon is keyed by: a stem for English words, the character for Chinese. */
  key: string;
  start: number;
  end: number;
  type: 'word' | 'han' | 'emoji' | 'boundary';
  /** An English word that carries no concept ("the", "in", "keeps"). */
  filler: boolean;
  /** An English plural ("cats", "puppies"), which makes a count of two when no number is given. */
  plural: boolean;
}

/** Past forms and plurals no suffix rule reaches; each maps to its base form, which is then stemmed as usual. */
const IRREGULAR: Record<string, string> = {
  spun: 'spin', ran: 'run', rose: 'rise', risen: 'rise', flew: 'fly', flown: 'fly', flies: 'fly', swam: 'swim', swum: 'swim',
  grew: 'grow', grown: 'grow', sank: 'sink', sunk: 'sink', fell: 'fall', fallen: 'fall', went: 'go', gone: 'go', goes: 'go',
  blew: 'blow', blown: 'blow', leapt: 'leap', came: 'come', drove: 'drive', driven: 'drive', shrank: 'shrink', shrunk: 'shrink',
  sat: 'sit', stood: 'stand', met: 'meet', slid: 'slide', dove: 'dive', took: 'take', taken: 'take', sped: 'speed',
  swung: 'swing', crept: 'creep', octopi: 'octopus', fish: 'fish', fishes: 'fish', geese: 'goose', mice: 'mouse',
  bigger: 'bigger', leaves: 'leaf', dizzily: 'dizzily', evening: 'evening', spring: 'spring',
};
/** Words a suffix rule would cut wrongly ("speed" is no "spe" + "ed"); their inflections still reach them. */
const KEEP = new Set(['speed', 'need', 'seed', 'red', 'bed', 'feed', 'shed', 'breed', 'steed']);
const DOUBLED = /(bb|dd|gg|mm|nn|pp|rr|tt)$/;
const hasVowel = (s: string) => /[aeiouy]/.test(s);

/** A small suffix stemmer: the same rule runs over the lexicon's phrasings and the prompt, so only agreement matters. */
export function stem(word: string): string {
  let w = IRREGULAR[word] ?? word;
  if (KEEP.has(w)) return w;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(s|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('ing') && hasVowel(w.slice(0, -3))) w = w.slice(0, -3).replace(DOUBLED, (d) => d[0]!);
  else if (w.length > 4 && w.endsWith('ed') && hasVowel(w.slice(0, -2))) w = w.slice(0, -2).replace(DOUBLED, (d) => d[0]!);
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length >= 4 && w.endsWith('e') && !w.endsWith('ee')) w = w.slice(0, -1);
  return w;
}

const PIECE = /(\p{Script=Han})|((?:(?!\p{Script=Han})[\p{L}\p{M}\p{N}])+)|(\p{Extended_Pictographic}(?:\uFE0F|\u200D\p{Extended_Pictographic})*)|([,.;:!?。、\n])/gu;

/** The prompt's tokens; other marks (hyphens, quotes, brackets) only separate words. */
export function promptTokens(prompt: string): PromptToken[] {
  // contractions first: "doesn't move" is a negation, "the cat's" a possessive
  const text = prompt.normalize('NFKC').replace(/can['’]t\b/gi, 'can not').replace(/n['’]t\b/gi, ' not').replace(/['’]s\b/gi, '  ');
  const tokens: PromptToken[] = [];
  for (const m of text.matchAll(PIECE)) {
    const start = m.index;
    const end = start + m[0].length;
    const base = { text: m[0], start, end, filler: false, plural: false };
    if (m[1]) tokens.push({ ...base, key: m[1], type: 'han' });
    else if (m[2]) {
      const lower = m[2].toLowerCase();
      const ascii = /^[a-z0-9]+$/.test(lower);
      const key = ascii ? stem(lower) : lower;
      tokens.push({ ...base, key, type: 'word', filler: ENGLISH_FILLER.has(lower), plural: ascii && /[^su]s$/.test(lower) && key !== lower && !IRREGULAR[lower] || lower === 'fishes' || lower === 'octopi' });
    } else if (m[3]) tokens.push({ ...base, key: m[3], type: 'emoji' });
    else tokens.push({ ...base, key: ',', type: 'boundary' });
  }
  return tokens;
}

/** A phrasing's key: its tokens without English fillers, joined by spaces ("goes to the left" → "go left"). */
export function phraseKey(phrase: string): string {
  return promptTokens(phrase).filter((t) => !t.filler && t.type !== 'boundary').map((t) => t.key).join(' ');
}
