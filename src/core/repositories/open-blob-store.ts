/** The configured blob store: local files under dataDir (embedded) or an S3 bucket (scale-out), checked at open. */
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { LocalBlobStorage, type BlobStore } from './blob-storage.js';
import { S3BlobStorage } from './s3-blob-storage.js';

export async function openBlobStore(config: Pick<Config, 'dataDir' | 'backends' | 's3'>): Promise<BlobStore> {
  if (config.backends.storage === 'local') return new LocalBlobStorage(join(config.dataDir, 'files'));
  const store = new S3BlobStorage(config.s3);
  await store.init();
  return store;
}
