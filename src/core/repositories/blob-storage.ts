/**
 * Content-addressed blob storage: bytes are stored under their sha256, so writing the same bytes twice is free and
 * a record can never point at changed content. Two backends behind one interface: local files (embedded mode) and
 * S3-compatible object storage (scale-out, s3-blob-storage.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

export interface DownloadHint {
  contentType: string;
  /** Seconds the link stays valid. */
  ttlS: number;
}

export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Stores the bytes; returns their sha256. */
  put(data: Uint8Array): Promise<string>;
  has(sha256: string): Promise<boolean>;
  stream(sha256: string): Promise<Readable>;
  read(sha256: string): Promise<Buffer>;
  remove(sha256: string): Promise<void>;
  /** A link that downloads the blob without the server (S3 presigned), or null when the server streams it. */
  directUrl(sha256: string, hint: DownloadHint): Promise<string | null>;
}

export function sha256Of(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function assertSha256(sha256: string): void {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
}

/**
 * Local files: a blob lives at <root>/<sha[0:2]>/<sha[2:4]>/<sha256>, written to a temporary name and renamed, so a
 * crash never leaves half a file under a real name.
 */
export class LocalBlobStorage implements BlobStore {
  readonly kind = 'local' as const;

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  pathOf(sha256: string): string {
    assertSha256(sha256);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(data: Uint8Array): Promise<string> {
    const sha = sha256Of(data);
    const path = this.pathOf(sha);
    if (existsSync(path) && statSync(path).size === data.byteLength) return sha;
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
    return sha;
  }

  async has(sha256: string): Promise<boolean> {
    return existsSync(this.pathOf(sha256));
  }

  async stream(sha256: string): Promise<Readable> {
    return createReadStream(this.pathOf(sha256));
  }

  async read(sha256: string): Promise<Buffer> {
    return readFileSync(this.pathOf(sha256));
  }

  async remove(sha256: string): Promise<void> {
    rmSync(this.pathOf(sha256), { force: true });
  }

  async directUrl(): Promise<string | null> {
    return null;
  }
}
