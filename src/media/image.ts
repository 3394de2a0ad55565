/**
 * Pictures people give us (a start frame, a last frame, a product shot): PNG, JPEG or WebP, recognised and measured
 * from their header alone, so a file too large or of too many pixels is refused before anything decodes it; then
 * decoded by ffmpeg, centre-cropped and scaled to the size the model draws.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from './ffmpeg-run.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
}

/** One decoded picture, packed RGB bytes (height × width × 3). */
export interface RgbPicture {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface ImageLimits {
  /** Bytes of the file. */
  maxBytes: number;
  /** width × height, read from the header before decoding (a decompression bomb is refused unread). */
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000 };

export class ImageInputError extends Error {
  constructor(message: string, readonly code: 'image_invalid' | 'image_too_large') {
    super(message);
    this.name = 'ImageInputError';
  }
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

/** The format and size of a PNG, JPEG or WebP file from its header; anything else is `image_invalid`. */
export function probeImage(bytes: Uint8Array): ImageInfo {
  const invalid = (why: string) => new ImageInputError(`the picture is not a PNG, JPEG or WebP file we can read (${why})`, 'image_invalid');
  if (bytes.length >= 24 && u32be(bytes, 0) === 0x89504e47 && u32be(bytes, 4) === 0x0d0a1a0a && ascii(bytes, 12, 4) === 'IHDR') {
    return sized('png', u32be(bytes, 16), u32be(bytes, 20), invalid);
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) throw invalid('a damaged JPEG header');
      const marker = bytes[i + 1]!;
      if (marker === 0xff) { i++; continue; } // fill byte
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; }
      // start of frame: baseline, progressive, lossless… (not DHT c4, JPG c8, DAC cc)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return sized('jpeg', u16be(bytes, i + 7), u16be(bytes, i + 5), invalid);
      }
      if (marker === 0xda || marker === 0xd9) break; // image data before any frame header
      i += 2 + u16be(bytes, i + 2);
    }
    throw invalid('a JPEG without a frame header');
  }
  if (bytes.length >= 30 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') {
    const chunk = ascii(bytes, 12, 4);
    if (chunk === 'VP8 ' && bytes[23] === 0x9d && bytes[24] === 0x01 && bytes[25] === 0x2a) {
      return sized('webp', u16le(bytes, 26) & 0x3fff, u16le(bytes, 28) & 0x3fff, invalid);
    }
    if (chunk === 'VP8L' && bytes[20] === 0x2f) {
      const bits = bytes[21]! | (bytes[22]! << 8) | (bytes[23]! << 16) | (bytes[24]! << 24);
      return sized('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1, invalid);
    }
    if (chunk === 'VP8X') return sized('webp', u24le(bytes, 24) + 1, u24le(bytes, 27) + 1, invalid);
    throw invalid('an unknown WebP chunk');
  }
  throw invalid('unknown signature');
}

function sized(format: ImageFormat, width: number, height: number, invalid: (why: string) => Error): ImageInfo {
  if (!(width > 0 && height > 0)) throw invalid(`a ${format.toUpperCase()} of ${width}×${height} pixels`);
  return { format, width, height };
}

/** Probes the picture and refuses it, before decoding, when it breaks the limits. */
export function checkImage(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): ImageInfo {
  if (bytes.length > limits.maxBytes) {
    throw new ImageInputError(`the picture is ${mib(bytes.length)}; the most we take is ${mib(limits.maxBytes)}`, 'image_too_large');
  }
  const info = probeImage(bytes);
  if (info.width * info.height > limits.maxPixels) {
    throw new ImageInputError(`the picture is ${info.width}×${info.height} pixels; the most we take is ${(limits.maxPixels / 1e6).toFixed(0)} megapixels`, 'image_too_large');
  }
  return info;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The ffmpeg filter that centre-crops a picture to width:height and scales it to exactly that size. */
export function coverFilter(width: number, height: number): string {
  return `scale=${width}:${height}:force_original_aspect_ratio=increase:flags=area,crop=${width}:${height},setsar=1`;
}

/** A checked picture decoded, centre-cropped to the aspect of width × height and scaled to it. */
export async function fitImage(bytes: Uint8Array, width: number, height: number, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<RgbPicture> {
  const info = checkImage(bytes, limits);
  const codec = info.format === 'jpeg' ? 'mjpeg' : info.format;
  // a file, not a pipe: the bundled ffmpeg (2018) has no WebP pipe demuxer; the decoder is forced to the probed format
  const dir = mkdtempSync(join(tmpdir(), 'kineo-picture-'));
  let out: Buffer;
  try {
    const path = join(dir, `picture.${info.format}`);
    writeFileSync(path, bytes);
    out = await runFfmpeg(['-f', 'image2', '-c:v', codec, '-i', path, '-vf', coverFilter(width, height), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  } catch (err) {
    throw new ImageInputError(`the ${info.format.toUpperCase()} picture could not be decoded (${(err as Error).message.split('\n')[0]})`, 'image_invalid');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (out.length !== width * height * 3) throw new ImageInputError(`the ${info.format.toUpperCase()} picture decoded to nothing`, 'image_invalid');
  return { width, height, data: new Uint8Array(out.buffer, out.byteOffset, out.length) };
}
