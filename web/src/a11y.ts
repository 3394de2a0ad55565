/** What every page shares for people who use a keyboard, a screen reader or a tab bar full of studio tabs. */
import { useEffect, useRef } from 'react';

/** The document title for this page: "<what> · Kineo" (one per page, so history and tabs say where you were). */
export function usePageTitle(what: string | null | undefined): void {
  useEffect(() => {
    if (what) document.title = `${what} · Kineo`;
  }, [what]);
}

/**
 * After a client-side navigation (not the first load), focus moves to the new page's heading: a screen reader then
 * reads where it landed, and Tab continues from the page, not from the link that was pressed.
 */
export function useFocusHeadingOnNavigate(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById('main');
    const target = main?.querySelector<HTMLElement>('h1') ?? main;
    if (!target) return;
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
  }, [path]);
}

/** Ctrl+Enter (Cmd+Enter on a Mac) in any form field submits that form, as in chat and code-review tools. */
export function useCtrlEnterSubmits(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) return;
      const form = (e.target as HTMLElement | null)?.closest?.('form');
      if (!form) return;
      e.preventDefault();
      // A disabled submit button means "not now" (busy, or nothing to send): the shortcut respects it.
      if (form.querySelector<HTMLButtonElement>('button[type="submit"]')?.disabled) return;
      form.requestSubmit();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
