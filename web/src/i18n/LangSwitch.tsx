import { setLang, useT, type Lang } from './index';

/** The language switch: each language named in itself ("中文", "EN"), the current one pressed. */
export function LangSwitch({ className }: { className?: string }) {
  const t = useT();
  const langs: [Lang, string, string][] = [['zh', '中文', 'zh-CN'], ['en', 'EN', 'en']];
  return (
    <span className={`lang-switch${className ? ` ${className}` : ''}`} role="group" aria-label={t('lang.label')}>
      {langs.map(([lang, name, tag], i) => (
        <span key={lang}>
          {i > 0 && <span aria-hidden="true" className="sep">/</span>}
          <button type="button" className="link" lang={tag} aria-pressed={t.lang === lang} onClick={() => setLang(lang)}>{name}</button>
        </span>
      ))}
    </span>
  );
}
