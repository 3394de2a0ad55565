/**
 * Text a person types — prompts, titles, names, reasons — as every request schema takes it: control characters
 * (NUL, the other C0 characters but tab and line breaks, DEL, C1) are refused at the boundary with a 400 naming the
 * field. Nothing downstream wants them: a NUL cannot even be passed to ffmpeg as an argument, so a prompt carrying
 * one used to fail its task three times over, deep inside the worker.
 */
import { z } from 'zod';

const NO_CONTROL_CHARACTERS = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;

/** `schema` (a string with its own limits) that also refuses control characters. */
export function plainText(schema: z.ZodString = z.string()): z.ZodString {
  return schema.regex(NO_CONTROL_CHARACTERS, 'must not contain control characters (NUL, U+0001–U+001F other than tab and line breaks, U+007F–U+009F); remove them');
}

/**
 * Where a NUL hides in a request's decoded params, query or body (a field path such as `video.id`), or undefined.
 * PostgreSQL cannot store a NUL in text at all (SQLite can): an id, a URL or a name holding one must be refused at
 * the boundary, as the same 400 on both databases, rather than fail inside a query.
 */
export function nulAt(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'body' : undefined;
  if (!value || typeof value !== 'object' || depth > 64 || Buffer.isBuffer(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (k.includes('\u0000')) return here;
    const found = nulAt(v, here, depth + 1);
    if (found) return found;
  }
  return undefined;
}
