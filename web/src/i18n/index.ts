/**
 * The studio's language as state: from the browser (navigator.languages) unless the person picked one with the
 * switch in the header, which is remembered in localStorage. `<html lang>` follows it, so screen readers, fonts and
 * line breaking do too. Components read it with useT(); a change re-renders every one of them.
 */
import { useSyncExternalStore } from 'react';
import { detectLang, LANGS, LOCALE, translator, type Lang, type Translator } from './core';

export { LOCALE, type Lang, type Translator, type Key, type PlainKey } from './core';

const STORAGE_KEY = 'kineo.lang';
const listeners = new Set<() => void>();
const translators = new Map<Lang, Translator>(LANGS.map((l) => [l, translator(l)]));

function stored(): Lang | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v as Lang) ? (v as Lang) : null;
  } catch {
    return null; // storage refused (a privacy mode): the browser's language, and the switch for this visit
  }
}

let current: Lang = stored() ?? detectLang(typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]);
const apply = () => {
  if (typeof document !== 'undefined') document.documentElement.lang = LOCALE[current];
};
apply();

export function getLang(): Lang {
  return current;
}

/** The translator for the current language (outside components: error sentences, titles). */
export function getT(): Translator {
  return translators.get(current)!;
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered; still switched
  }
  apply();
  for (const l of listeners) l();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** The current language's translator; the component re-renders when the language changes. */
export function useT(): Translator {
  const lang = useSyncExternalStore(subscribe, getLang);
  return translators.get(lang)!;
}
