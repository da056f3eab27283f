/**
 * The S3 media backend (AWS S3 or any S3-compatible service). Uploads stream through `@aws-sdk/lib-storage`, so an
 * object appears only once its upload completes; an upload cut off by a crash leaves at most an incomplete multipart
 * upload, which a bucket lifecycle rule (`AbortIncompleteMultipartUpload`) removes.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform } from 'node:stream';
import type { MediaConfig } from '../../media-config.js';
import type { BlobHead, BlobStore, ByteRange } from './types.js';

type S3Config = NonNullable<MediaConfig['s3']>;

const isMissing = (err: unknown) => {
  const e = err as S3ServiceException;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly cfg: S3Config) {
    this.client = new S3Client({
      region: cfg.region,
      endpoint: cfg.endpoint,
      forcePathStyle: cfg.forcePathStyle,
      // Checksums only where S3 requires them: S3-compatible services (MinIO, R2, older gateways) differ on the rest.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(cfg.accessKeyId && cfg.secretAccessKey ? { credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } } : {}),
    });
  }

  private key(id: string): string {
    return `${this.cfg.prefix}${id}`;
  }

  async put(id: string, body: Readable | Buffer, contentType: string): Promise<{ bytes: number }> {
    let bytes = 0;
    const counted = Buffer.isBuffer(body)
      ? body
      : body.pipe(new Transform({ transform(chunk: Buffer, _enc, cb) { bytes += chunk.length; cb(null, chunk); } }));
    if (!Buffer.isBuffer(body)) body.once('error', (err) => (counted as Transform).destroy(err));
    const upload = new Upload({ client: this.client, params: { Bucket: this.cfg.bucket, Key: this.key(id), Body: counted, ContentType: contentType }, queueSize: 2 });
    await upload.done();
    return { bytes: Buffer.isBuffer(body) ? body.length : bytes };
  }

  async get(id: string, range?: ByteRange): Promise<Readable | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.key(id), Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async head(id: string): Promise<BlobHead | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.cfg.bucket, Key: this.key(id) }));
      return { bytes: out.ContentLength ?? 0, contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: this.key(id) }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
