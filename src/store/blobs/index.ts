/** The configured media backend. The S3 client is loaded only when `media.store` is `s3`. */
import type { MediaConfig } from '../../media-config.js';
import { LocalBlobStore } from './local.js';
import type { BlobStore } from './types.js';

export async function createBlobStore(media: MediaConfig): Promise<BlobStore> {
  if (media.store === 's3') {
    const { S3BlobStore } = await import('./s3.js');
    return new S3BlobStore(media.s3!);
  }
  return new LocalBlobStore(media.dir);
}

export type { BlobStore } from './types.js';
