/**
 * The studio's languages, without React: which one a browser asks for, and a translator over the dictionaries
 * (en.ts is the reference; zh.ts must have every one of its keys, checked by the compiler).
 *
 * An entry is a string with `{name}` holes ("drawing {step} of {of}"), or plural forms chosen by the number in the
 * `n` hole with the language's own rules (Intl.PluralRules: English "1 like" / "2 likes"; Chinese has one form).
 */
import { en } from './en.js';
import { zh } from './zh.js';

export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];
/** The BCP 47 tag for `<html lang>` and for dates and numbers. */
export const LOCALE: Record<Lang, string> = { en: 'en', zh: 'zh-CN' };

export type Key = keyof typeof en;
/** Plural forms by Intl.PluralRules category; `other` is the one every language has. */
export interface Plural { one?: string; other: string }
export type Entry = string | Plural;
/** A dictionary for another language: every key of en.ts, no other. */
export type Dictionary = { readonly [K in Key]: Entry };

const DICTIONARIES: Record<Lang, Dictionary> = { en, zh };

type Holes<S> = S extends `${string}{${infer P}}${infer R}` ? P | Holes<R> : never;
type EntryHoles<E> = E extends string ? Holes<E> : E extends { other: infer O } ? Holes<O> | 'n' : never;
/** The values a key's holes take; a key without holes takes none. */
export type Params<K extends Key, V = string | number> = { [P in EntryHoles<(typeof en)[K]>]: V };
/** The keys whose sentences have no holes (navigation labels, options): what a table of labels holds. */
export type PlainKey = { [K in Key]: [EntryHoles<(typeof en)[K]>] extends [never] ? K : never }[Key];
type Args<K extends Key, V = string | number> = [EntryHoles<(typeof en)[K]>] extends [never] ? [] : [Params<K, V>];

/** The browser's languages → ours: any Chinese (zh, zh-CN, zh-TW, zh-Hans-…) first among them is Chinese. */
export function detectLang(languages: readonly string[]): Lang {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'zh') return 'zh';
    if (base === 'en') return 'en';
  }
  return 'en';
}

/** Fills `{name}` holes; a value may be anything (a React element, for `rich`), so the result is a list of parts. */
function fill<V>(template: string, params: Record<string, V>): (string | V)[] {
  const parts: (string | V)[] = [];
  for (const [i, piece] of template.split(/\{(\w+)\}/).entries()) {
    if (i % 2 === 0) {
      if (piece) parts.push(piece);
    } else if (piece in params) parts.push(params[piece]!);
    else parts.push(`{${piece}}`);
  }
  return parts;
}

export interface Translator {
  lang: Lang;
  /** The sentence for `key` in this language, its holes filled. */
  <K extends Key>(key: K, ...params: Args<K>): string;
  /** The same, with holes filled by anything (links, <strong>): a list of parts to render. */
  rich<K extends Key, V>(key: K, params: Params<K, V | string | number>): (string | V)[];
  /** Whether this language has its own entry for a key of a data table (e.g. an effect template id). */
  has(key: string): key is Key;
}

export function translator(lang: Lang): Translator {
  const dict = DICTIONARIES[lang];
  const rules = new Intl.PluralRules(LOCALE[lang]);
  const template = (key: Key, params: Record<string, unknown>): string => {
    const entry = dict[key];
    if (typeof entry === 'string') return entry;
    const n = Number(params.n);
    const form = rules.select(n) as keyof Plural;
    return entry[form] ?? entry.other;
  };
  const t = (<K extends Key>(key: K, ...args: Args<K>) => {
    const params = (args[0] ?? {}) as Record<string, string | number>;
    return fill(template(key, params), params).join('');
  }) as Translator;
  t.lang = lang;
  t.rich = (key, params) => fill(template(key, params), params as Record<string, unknown>) as never;
  t.has = (key: string): key is Key => Object.prototype.hasOwnProperty.call(dict, key);
  return t;
}
