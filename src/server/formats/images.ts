/** Image inputs (Kling `image`, OpenAI `input_reference`): checked for what they are before anything else. */
import { errors } from '../../core/errors.js';
import type { UrlGuard } from '../../core/services/url-guard.js';

const MAGIC: [string, (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.length > 8 && b.readUInt32BE(0) === 0x89504e47],
  ['image/jpeg', (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/webp', (b) => b.length > 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP'],
];

/** The image's media type from its first bytes, or a 400 that says which types are accepted. */
export function sniffImage(data: Buffer, param: string): string {
  const hit = MAGIC.find(([, test]) => test(data));
  if (!hit) throw errors.invalid(`${param} is not a PNG, JPEG or WebP image`, param);
  return hit[0];
}

/** A Kling image field: an http(s) URL (checked by the SSRF guard) or base64 (optionally a data URL) of an image. */
export async function checkImageField(value: string, param: string, maxBytes: number, guard: UrlGuard): Promise<void> {
  if (/^https?:\/\//i.test(value)) {
    await guard.check(value, param);
    return;
  }
  const b64 = value.replace(/^data:image\/[a-z+.-]+;base64,/i, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1) throw errors.invalid(`${param} is neither an http(s) URL nor valid base64`, param);
  const data = Buffer.from(b64, 'base64');
  if (data.byteLength > maxBytes) throw errors.tooLarge(`${param} is ${data.byteLength} bytes; at most ${maxBytes} are allowed`);
  sniffImage(data, param);
}
