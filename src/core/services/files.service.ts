/**
 * Files: blobs in content-addressed storage plus per-key records. Download links in responses are signed
 * (`/files/{id}?exp=…&sig=…`, HMAC with the server key) so that a Kling client can fetch `task_result.videos[].url`
 * without headers; every other file route needs the owner's key (404 for anyone else's).
 */
import type { Db } from '../db/database.js';
import { filesRepository, type FileRow } from '../repositories/files.repository.js';
import type { BlobStore } from '../repositories/blob-storage.js';
import type { ServerKey } from '../repositories/server-key.js';
import { errors } from '../errors.js';

export class FilesService {
  /** Set once the server listens (the port may be ephemeral). */
  baseUrl = 'http://127.0.0.1';

  constructor(private readonly db: Db, readonly blobs: BlobStore, private readonly serverKey: ServerKey, private readonly ttlS: number) {}

  signedUrl(file: Pick<FileRow, 'id'>, now = Date.now()): { url: string; expiresAt: number } {
    const exp = Math.floor(now / 1000) + this.ttlS;
    const sig = this.serverKey.sign(`${file.id}.${exp}`);
    return { url: `${this.baseUrl}/files/${file.id}?exp=${exp}&sig=${sig}`, expiresAt: exp };
  }

  /** The file a signed link names, or 404 (bad signature, expired, deleted). */
  async bySignedLink(id: string, exp: number, sig: string): Promise<FileRow> {
    if (!(exp * 1000 > Date.now()) || !this.serverKey.verify(`${id}.${exp}`, sig)) throw errors.notFound(`file ${id} (this link is invalid or expired)`);
    const file = await filesRepository.byId(this.db, id);
    if (!file) throw errors.notFound(`file ${id}`);
    return file;
  }

  async get(keyId: string, id: string): Promise<FileRow> {
    const file = await filesRepository.get(this.db, keyId, id);
    if (!file) throw errors.notFound(`file ${id}`);
    return file;
  }

  forTask(taskId: string): Promise<FileRow[]> {
    return filesRepository.forTask(this.db, taskId);
  }

  list(keyId: string, limit: number): Promise<FileRow[]> {
    return filesRepository.forKey(this.db, keyId, limit);
  }

  stream(file: FileRow) {
    return this.blobs.stream(file.sha256);
  }

  /** A link that downloads the file straight from object storage (S3 presigned), or null (local storage). */
  directUrl(file: FileRow): Promise<string | null> {
    return this.blobs.directUrl(file.sha256, { contentType: file.content_type, ttlS: this.ttlS });
  }

  /** Removes a task's file records and the blobs nobody else references. */
  async removeForTask(taskId: string): Promise<void> {
    const removed = await this.db.transaction().execute(async (trx) => {
      const rows = await filesRepository.removeForTask(trx, taskId);
      const orphans = await filesRepository.orphanBlobs(trx, [...new Set(rows.map((r) => r.sha256))]);
      for (const o of orphans) await filesRepository.removeBlob(trx, o.sha256);
      return orphans;
    });
    for (const o of removed) await this.blobs.remove(o.sha256);
  }
}
