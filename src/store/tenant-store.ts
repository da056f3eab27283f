/** Tenants and their API keys in Redis. Keys are stored only as SHA-256 digests; plaintext never reaches Redis. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TenantConfig } from '../config.js';
import type { Keys } from './keys.js';

export interface Tenant {
  id: string;
  name?: string;
  rateLimitPerMinute: number;
  maxConcurrentTasks: number;
  providers?: string[];
  monthlyBudgetUsd?: number;
  webhookSecret?: string;
  createdAt: string;
}

export interface KeyRecord { id: string; tenantId: string; prefix: string; hash: string; createdAt: string }

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class TenantStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async get(id: string): Promise<Tenant | null> {
    const raw = await this.redis.get(this.keys.tenant(id));
    return raw ? (JSON.parse(raw) as Tenant) : null;
  }

  async put(tenant: Tenant): Promise<void> {
    await this.redis.multi().set(this.keys.tenant(tenant.id), JSON.stringify(tenant)).sadd(this.keys.tenants, tenant.id).exec();
  }

  async addKeyHash(tenantId: string, hash: string, prefix: string, id = `key_${hash.slice(0, 12)}`): Promise<KeyRecord> {
    const rec: KeyRecord = { id, tenantId, prefix, hash, createdAt: new Date().toISOString() };
    await this.redis.multi().set(this.keys.apiKey(hash), JSON.stringify(rec)).hset(this.keys.tenantKeys(tenantId), id, hash).exec();
    return rec;
  }

  /** Config tenants are upserted at start-up: limits from the file win, keys are added (never removed here). */
  async upsertFromConfig(t: TenantConfig): Promise<void> {
    const existing = await this.get(t.id);
    const { apiKeys, apiKeyHashes, ...limits } = t;
    await this.put({ ...limits, createdAt: existing?.createdAt ?? new Date().toISOString() });
    for (const key of apiKeys) await this.addKeyHash(t.id, sha256(key), key.slice(0, 8));
    for (const hash of apiKeyHashes) await this.addKeyHash(t.id, hash, hash.slice(0, 8));
  }

  /** The key's record when the key is known. The digest is compared in constant time after the lookup. */
  async findKey(plaintext: string): Promise<KeyRecord | null> {
    const hash = sha256(plaintext);
    const raw = await this.redis.get(this.keys.apiKey(hash));
    if (!raw) return null;
    const rec = JSON.parse(raw) as KeyRecord;
    return timingSafeEqual(Buffer.from(rec.hash, 'hex'), Buffer.from(hash, 'hex')) ? rec : null;
  }
}
