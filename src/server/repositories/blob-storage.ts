/**
 * Local content-addressed storage: a blob lives at <root>/<sha[0:2]>/<sha[2:4]>/<sha256>, written to a temporary
 * name and renamed, so a crash never leaves half a file under a real name and writing the same bytes twice is free.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync, type ReadStream } from 'node:fs';
import { dirname, join } from 'node:path';

export class BlobStorage {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  static sha256(data: Uint8Array): string {
    return createHash('sha256').update(data).digest('hex');
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** Stores the bytes; returns their sha256. */
  put(data: Uint8Array): string {
    const sha = BlobStorage.sha256(data);
    const path = this.pathOf(sha);
    if (existsSync(path) && statSync(path).size === data.byteLength) return sha;
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
    return sha;
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  stream(sha256: string): ReadStream {
    return createReadStream(this.pathOf(sha256));
  }

  remove(sha256: string): void {
    rmSync(this.pathOf(sha256), { force: true });
  }
}
