/** The contract of a media backend: put a stream, get a stream (with a range), head, delete. */
import type { Readable } from 'node:stream';

export interface BlobHead { bytes: number; contentType: string }

import type { ByteRange } from '../../domain/byte-range.js';

export type { ByteRange };

export interface BlobStore {
  readonly kind: 'local' | 's3';
  /**
   * Writes the whole stream under `id`, or nothing: a reader never sees a partial object (local: temp file + rename;
   * S3: an object appears only when its upload completes). Rejects when the stream errors.
   */
  put(id: string, body: Readable | Buffer, contentType: string): Promise<{ bytes: number }>;
  /** The object's bytes (or a range of them); null when there is no such object. */
  get(id: string, range?: ByteRange): Promise<Readable | null>;
  head(id: string): Promise<BlobHead | null>;
  /** Idempotent: deleting an absent object is not an error. */
  delete(id: string): Promise<void>;
  /** Removes what crashed writers left (local temp files older than `olderThanMs`). */
  sweepPartial?(olderThanMs: number): Promise<number>;
  close?(): Promise<void>;
}
