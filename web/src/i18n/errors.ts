/**
 * An error as the studio shows it. The server's sentences are English (its wire formats do not change with the
 * studio's language); where an error carries a code this language has a sentence for, that sentence is shown
 * instead — first one for the code and its field (`error.invalid_request.username`), then one for the code.
 * Errors the studio makes itself (the server unreachable, an answer that is not JSON) are always in the language.
 */
import type { Translator } from './core';

const OWN = new Set(['unreachable', 'http_error']);

export function errorText(e: unknown, t: Translator): string {
  if (!(e instanceof Error)) return String(e);
  const { code, param, status } = e as Error & { code?: string; param?: string | null; status?: number };
  if (code && (t.lang !== 'en' || OWN.has(code))) {
    const specific = `error.${code}.${param}`;
    if (param && t.has(specific)) return t(specific as never);
    const general = `error.${code}`;
    if (t.has(general)) return code === 'http_error' ? t('error.http_error', { status: status ?? 0 }) : t(general as never);
  }
  return e.message;
}

/** A task's or variant's stored error ({code, message}) the same way. */
export function storedErrorText(error: { code: string; message: string }, t: Translator): string {
  return errorText(Object.assign(new Error(error.message), { code: error.code }), t);
}
