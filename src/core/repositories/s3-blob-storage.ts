/**
 * S3-compatible object storage for blobs (scale-out): an object per blob, keyed by its sha256 under a prefix,
 * written with one PutObject (atomic: readers never see half an object), read back with GetObject, downloaded by
 * clients through presigned GET links so the bytes need not pass through the API server.
 */
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertSha256, sha256Of, type BlobStore, type DownloadHint } from './blob-storage.js';

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (http://host/bucket/key): what MinIO, s3rver and most self-hosted servers need. */
  forcePathStyle: boolean;
  /** Create the bucket at start when it does not exist. */
  createBucket: boolean;
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.name === 'NoSuchBucket' || e?.$metadata?.httpStatusCode === 404;
};

export class S3BlobStorage implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.accessKeyId && settings.secretAccessKey
        ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } : undefined,
      // Checksums only where S3 requires them: self-hosted S3 servers do not all speak the newer trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Checks that the bucket answers (creating it when configured to); a clear error says what to fix. */
  async init(): Promise<void> {
    const { bucket, endpoint } = this.settings;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (err) {
      if (isNotFound(err) && this.settings.createBucket) {
        await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
        return;
      }
      throw new Error(`S3 bucket "${bucket}" at ${endpoint ?? 'AWS'} is not usable (${(err as Error).name ?? ''} ${(err as Error).message}); check storage.s3 in the config (endpoint, bucket, credentials) or set storage.s3.createBucket`);
    }
  }

  private key(sha256: string): string {
    assertSha256(sha256);
    return `${this.settings.prefix}${sha256.slice(0, 2)}/${sha256}`;
  }

  async put(data: Uint8Array): Promise<string> {
    // No existence check first: the key is the content's hash, so writing the same bytes again changes nothing, and
    // one request is cheaper than two for the common case (new bytes).
    const sha = sha256Of(data);
    await this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha), Body: data, ContentLength: data.byteLength }));
    return sha;
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async stream(sha256: string): Promise<Readable> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
    if (!out.Body) throw new Error(`S3 returned no body for blob ${sha256}`);
    return out.Body as Readable;
  }

  async read(sha256: string): Promise<Buffer> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
    if (!out.Body) throw new Error(`S3 returned no body for blob ${sha256}`);
    return Buffer.from(await out.Body.transformToByteArray());
  }

  async remove(sha256: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
  }

  directUrl(sha256: string, hint: DownloadHint): Promise<string> {
    const command = new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256), ResponseContentType: hint.contentType });
    // Minted per download from our own (longer-lived) signed link, so an hour is plenty; SigV4 allows ≤ 7 days.
    return getSignedUrl(this.client, command, { expiresIn: Math.min(hint.ttlS, 3600) });
  }

  close(): void {
    this.client.destroy();
  }
}
