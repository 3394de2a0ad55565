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
