/** CSV as spreadsheets read it (RFC 4180): comma-separated, CRLF rows, fields quoted when they need it. */

/**
 * One field: quoted when it holds a comma, quote, CR or LF (quotes doubled). A field that a spreadsheet would run as
 * a formula (=, +, -, @ first) gets a leading apostrophe (OWASP's CSV-injection advice).
 */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
