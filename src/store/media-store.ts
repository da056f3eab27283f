/**
 * What Redis knows of stored media: each object's tenant, type, size and expiry, the expiry worklist the sweeper
 * reads, and each tenant's stored bytes. The bytes themselves live in a blob store (./blobs).
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { mediaCommit, mediaForget, type MediaCommitInput } from './scripts.js';

export interface MediaRecord { id: string; tenantId: string; contentType: string; bytes: number; expiresAt: number; createdAt: string }

export class MediaStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  /**
   * Puts an id on the expiry worklist before its bytes are written: whatever a crash leaves behind is still found
   * and deleted by the sweeper.
   */
  async reserve(id: string, expiresAt: number): Promise<void> {
    await this.redis.zadd(this.keys.mediaExpiry, 'GT', expiresAt, id);
  }

  /** Records a written object; true the first time, false for a rewrite of the same id (counted once). */
  async commit(input: MediaCommitInput): Promise<boolean> {
    return (await runScript(this.redis, this.keys, mediaCommit, input)) === 1;
  }

  async get(id: string): Promise<MediaRecord | null> {
    const h = await this.redis.hgetall(this.keys.media(id));
    if (!h.tenant) return null;
    return { id, tenantId: h.tenant, contentType: h.type ?? '', bytes: Number(h.bytes), expiresAt: Number(h.exp), createdAt: h.at ?? '' };
  }

  /** Ids whose time is up (the sweeper deletes their bytes, then forgets them). */
  async expired(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.mediaExpiry, '-inf', now, 'LIMIT', 0, limit);
  }

  /** Drops an object's record and its bytes from its tenant's usage; returns the bytes released. */
  async forget(id: string): Promise<number> {
    return runScript(this.redis, this.keys, mediaForget, { id });
  }

  async usage(tenantId: string): Promise<{ bytes: number; count: number }> {
    const [bytes, count] = await this.redis.hmget(this.keys.mediaUsage(tenantId), 'bytes', 'count');
    return { bytes: Number(bytes ?? 0), count: Number(count ?? 0) };
  }
}
