/**
 * The local media backend: one file per object under `dir/<2 chars>/<2 chars>/<id>`, written to `dir/.partial/` first
 * and renamed into place, so a writer killed mid-write never leaves a file a reader can find.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { typeOfExtension } from '../../domain/image.js';
import type { BlobHead, BlobStore, ByteRange } from './types.js';

const SAFE_ID = /^[A-Za-z0-9_-]{8,80}\.[a-z0-9]{2,5}$/;

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  private readonly partial: string;

  constructor(private readonly dir: string) {
    this.partial = join(dir, '.partial');
  }

  /** The file of an id; ids come from URLs, so only the gateway's own id shape may name a path. */
  path(id: string): string {
    if (!SAFE_ID.test(id)) throw new Error(`not a media id: ${id}`);
    const core = id.slice(id.indexOf('_') + 1);
    return join(this.dir, core.slice(0, 2), core.slice(2, 4), id);
  }

  async put(id: string, body: Readable | Buffer, _contentType: string): Promise<{ bytes: number }> {
    const target = this.path(id);
    await mkdir(this.partial, { recursive: true });
    const temp = join(this.partial, `${id}.${randomBytes(6).toString('hex')}`);
    try {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, createWriteStream(temp, { flags: 'wx' }));
      const { size } = await stat(temp);
      await mkdir(join(target, '..'), { recursive: true });
      await rename(temp, target);
      return { bytes: size };
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(id: string, range?: ByteRange): Promise<Readable | null> {
    if (!SAFE_ID.test(id)) return null;
    const stream = createReadStream(this.path(id), range ? { start: range.start, end: range.end } : {});
    // Opening fails asynchronously: wait for it, so a missing file is null rather than a stream that errors.
    return new Promise((resolve, reject) => {
      stream.once('open', () => resolve(stream));
      stream.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(null) : reject(err)));
    });
  }

  async head(id: string): Promise<BlobHead | null> {
    if (!SAFE_ID.test(id)) return null;
    try {
      const st = await stat(this.path(id));
      return { bytes: st.size, contentType: typeOfExtension(id.slice(id.lastIndexOf('.') + 1)) ?? 'application/octet-stream' };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    if (!SAFE_ID.test(id)) return;
    await unlink(this.path(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async sweepPartial(olderThanMs: number): Promise<number> {
    const names = await readdir(this.partial).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const file = join(this.partial, name);
      const st = await stat(file).catch(() => null);
      if (st && Date.now() - st.mtimeMs > olderThanMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
