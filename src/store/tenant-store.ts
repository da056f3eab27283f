/**
 * Tenants and their API keys in Redis. Keys are stored only as SHA-256 digests (plaintext never reaches Redis);
 * webhook secrets only sealed (services/secrets.ts). Every change that can make a cached key or tenant stale is
 * published on one channel, so each API process drops it at once (plugins/auth.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TenantConfig } from '../config.js';
import type { SecretBox } from '../services/secrets.js';
import type { Keys } from './keys.js';
import { subscribe, type RedisAddress, type Subscription } from './connections.js';

export interface Tenant {
  id: string;
  name?: string;
  rateLimitPerMinute: number;
  maxConcurrentTasks: number;
  providers?: string[];
  monthlyBudgetUsd?: number;
  /** Where webhooks go for tasks submitted without a `callbackUrl`. */
  webhookUrl?: string;
  /** The webhook secret sealed with AES-256-GCM; a config tenant's secret may live in the config file instead. */
  webhookSecretSealed?: string;
  source: 'config' | 'admin';
  createdAt: string;
  updatedAt?: string;
  /** Set while the tenant is disabled: its keys are refused (403 `tenant_disabled`), its tasks stay readable by admin. */
  disabledAt?: string;
  disabledReason?: DisabledReason;
}

/** Why a tenant is disabled: by the admin API, or because the config file no longer lists it. */
export type DisabledReason = 'admin' | 'removed_from_config';

/** A change to a tenant; `null` removes an optional setting. */
export interface TenantPatch {
  name?: string | null;
  rateLimitPerMinute?: number;
  maxConcurrentTasks?: number;
  providers?: string[] | null;
  monthlyBudgetUsd?: number | null;
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  /** true disables the tenant (its keys are refused at once in every process), false enables it again. */
  disabled?: boolean;
}

export interface KeyRecord { id: string; tenantId: string; prefix: string; hash: string; createdAt: string }

/** An issued key: `key` is the plaintext, returned to the caller once and never stored. */
export interface IssuedKey { id: string; key: string; prefix: string; createdAt: string }

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Readable prefix of issued keys (scanners and humans can tell what leaked). */
export const KEY_PREFIX = 'mjg_live_';

export const DEFAULT_LIMITS = { rateLimitPerMinute: 600, maxConcurrentTasks: 50 } as const;

export interface TenantStoreOptions {
  secrets?: SecretBox;
  /** Webhook secrets of config-file tenants, used when Redis holds none for them (never written to Redis). */
  fileSecrets?: ReadonlyMap<string, string>;
}

export class TenantStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly opts: TenantStoreOptions = {}) {}

  /**
   * Calls `onChange` with `key:<hash>` or `tenant:<id>` whenever a key or tenant changes in any process (what was
   * cached for it is stale), and `onLive` when the subscription goes down or comes back (changes may have been missed).
   */
  subscribeChanges(redisUrl: RedisAddress, on: { onChange(message: string): void; onLive(live: boolean): void; onError(err: Error): void }): Subscription {
    return subscribe(redisUrl, this.keys.authChannel, { onMessage: (m) => on.onChange(m), onLive: (live) => on.onLive(live), onError: (err) => on.onError(err) });
  }

  /** Every tenant id. */
  ids(): Promise<string[]> {
    return this.redis.smembers(this.keys.tenants);
  }

  async get(id: string): Promise<Tenant | null> {
    const raw = await this.redis.get(this.keys.tenant(id));
    return raw ? (JSON.parse(raw) as Tenant) : null;
  }

  async list(): Promise<Tenant[]> {
    const ids = (await this.redis.smembers(this.keys.tenants)).sort();
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.tenant(id)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as Tenant] : []));
  }

  async put(tenant: Tenant): Promise<void> {
    await this.redis.multi().set(this.keys.tenant(tenant.id), JSON.stringify(tenant)).sadd(this.keys.tenants, tenant.id).exec();
    await this.redis.publish(this.keys.authChannel, `tenant:${tenant.id}`);
  }

  /** Creates a tenant; null when the id is taken. */
  async create(id: string, patch: TenantPatch): Promise<Tenant | null> {
    const at = new Date().toISOString();
    const tenant = this.applyPatch({ id, ...DEFAULT_LIMITS, source: 'admin', createdAt: at }, patch);
    const ok = await this.redis.set(this.keys.tenant(id), JSON.stringify(tenant), 'NX');
    if (!ok) return null;
    await this.redis.multi().sadd(this.keys.tenants, id).srem(this.keys.deletedTenants, id).exec();
    return tenant;
  }

  async update(id: string, patch: TenantPatch): Promise<Tenant | null> {
    const current = await this.get(id);
    if (!current) return null;
    const next = this.applyPatch({ ...current, updatedAt: new Date().toISOString() }, patch);
    await this.put(next);
    return next;
  }

  private applyPatch(t: Tenant, patch: TenantPatch): Tenant {
    const out: Record<string, unknown> = { ...t };
    const { webhookSecret, disabled, ...rest } = patch;
    for (const [k, v] of Object.entries(rest)) if (v === null) delete out[k]; else if (v !== undefined) out[k] = v;
    if (webhookSecret === null) delete out.webhookSecretSealed;
    else if (webhookSecret !== undefined) {
      if (!this.opts.secrets?.enabled) throw new Error('webhook secrets cannot be stored: set webhooks.encryptionKey or adminToken');
      out.webhookSecretSealed = this.opts.secrets.seal(webhookSecret);
    }
    if (disabled === false) {
      delete out.disabledAt;
      delete out.disabledReason;
    } else if (disabled && !out.disabledAt) Object.assign(out, { disabledAt: new Date().toISOString(), disabledReason: 'admin' });
    return out as unknown as Tenant;
  }

  /** The tenant's webhook secret in plaintext (to sign), or null: none set, or sealed under another key. */
  webhookSecret(t: Tenant): { secret: string | null; unreadable: boolean } {
    if (t.webhookSecretSealed) {
      const secret = this.opts.secrets?.open(t.webhookSecretSealed) ?? null;
      return { secret, unreadable: secret === null };
    }
    return { secret: this.opts.fileSecrets?.get(t.id) ?? null, unreadable: false };
  }

  hasWebhookSecret(t: Tenant): boolean {
    return Boolean(t.webhookSecretSealed ?? this.opts.fileSecrets?.get(t.id));
  }

  /**
   * Config tenants are upserted at start-up: limits from the file win, keys are added (never removed, never revived).
   * A tenant deleted through the admin API is not re-created; one disabled by the admin API stays disabled.
   */
  async upsertFromConfig(t: TenantConfig): Promise<'upserted' | 'deleted'> {
    if (await this.redis.sismember(this.keys.deletedTenants, t.id)) return 'deleted';
    const existing = await this.get(t.id);
    const { apiKeys, apiKeyHashes, webhookSecret, ...limits } = t;
    // The file's secret replaces one set through the admin API; without one in the file, an admin-set one stays.
    const sealed = webhookSecret ? undefined : existing?.webhookSecretSealed;
    const disabled = existing?.disabledReason === 'admin' ? { disabledAt: existing.disabledAt, disabledReason: existing.disabledReason } : {};
    await this.put({ ...limits, ...(sealed ? { webhookSecretSealed: sealed } : {}), ...disabled, source: 'config', createdAt: existing?.createdAt ?? new Date().toISOString() });
    const revoked = new Set(await this.redis.smembers(this.keys.revokedKeys));
    for (const hash of [...apiKeys.map(sha256), ...apiKeyHashes]) if (!revoked.has(hash)) await this.addKeyHash(t.id, hash, hash.slice(0, 8));
    return 'upserted';
  }

  /** Disables every config tenant the file no longer lists (start-up); returns their ids. */
  async disableRemovedFromConfig(listed: ReadonlySet<string>): Promise<string[]> {
    const gone = (await this.list()).filter((t) => t.source === 'config' && !listed.has(t.id) && !t.disabledAt);
    for (const t of gone) await this.put({ ...t, disabledAt: new Date().toISOString(), disabledReason: 'removed_from_config' });
    return gone.map((t) => t.id);
  }

  /**
   * Deletes a tenant and its keys everywhere (keys remembered as revoked, the id as deleted so the config file does
   * not re-create it). Its tasks and usage stay until retention. False when unknown.
   */
  async remove(id: string): Promise<boolean> {
    if (!(await this.redis.exists(this.keys.tenant(id)))) return false;
    const hashes = Object.values(await this.redis.hgetall(this.keys.tenantKeys(id)));
    const tx = this.redis.multi().del(this.keys.tenant(id), this.keys.tenantKeys(id)).srem(this.keys.tenants, id).sadd(this.keys.deletedTenants, id);
    for (const h of hashes) tx.del(this.keys.apiKey(h)).sadd(this.keys.revokedKeys, h);
    await tx.exec();
    await this.redis.publish(this.keys.authChannel, `tenant:${id}`);
    for (const h of hashes) await this.redis.publish(this.keys.authChannel, `key:${h}`);
    return true;
  }

  async addKeyHash(tenantId: string, hash: string, prefix: string, id = `key_${hash.slice(0, 12)}`): Promise<KeyRecord> {
    const rec: KeyRecord = { id, tenantId, prefix, hash, createdAt: new Date().toISOString() };
    await this.redis.multi().set(this.keys.apiKey(hash), JSON.stringify(rec)).hset(this.keys.tenantKeys(tenantId), id, hash).exec();
    return rec;
  }

  /** A new random key (32 bytes of entropy) for the tenant; only its digest is stored. */
  async issueKey(tenantId: string): Promise<IssuedKey> {
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const rec = await this.addKeyHash(tenantId, sha256(key), key.slice(0, KEY_PREFIX.length + 4), `key_${randomBytes(8).toString('hex')}`);
    return { id: rec.id, key, prefix: rec.prefix, createdAt: rec.createdAt };
  }

  async listKeys(tenantId: string): Promise<KeyRecord[]> {
    const hashes = Object.values(await this.redis.hgetall(this.keys.tenantKeys(tenantId)));
    if (hashes.length === 0) return [];
    const raws = await this.redis.mget(hashes.map((h) => this.keys.apiKey(h)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as KeyRecord] : [])).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Revokes a key everywhere: deleted, remembered (so a config upsert does not revive it) and announced. */
  async revokeKey(tenantId: string, keyId: string): Promise<boolean> {
    const hash = await this.redis.hget(this.keys.tenantKeys(tenantId), keyId);
    if (!hash) return false;
    await this.redis.multi().del(this.keys.apiKey(hash)).hdel(this.keys.tenantKeys(tenantId), keyId).sadd(this.keys.revokedKeys, hash).exec();
    await this.redis.publish(this.keys.authChannel, `key:${hash}`);
    return true;
  }

  /** Issues a new key and revokes the old one; null when the old one is unknown. */
  async rotateKey(tenantId: string, keyId: string): Promise<IssuedKey | null> {
    if (!(await this.redis.hexists(this.keys.tenantKeys(tenantId), keyId))) return null;
    const issued = await this.issueKey(tenantId);
    await this.revokeKey(tenantId, keyId);
    return issued;
  }

  /** The key's record when the key is known. The digest is compared in constant time after the lookup. */
  async findKey(plaintext: string): Promise<KeyRecord | null> {
    return this.findKeyHash(sha256(plaintext));
  }

  async findKeyHash(hash: string): Promise<KeyRecord | null> {
    const raw = await this.redis.get(this.keys.apiKey(hash));
    if (!raw) return null;
    const rec = JSON.parse(raw) as KeyRecord;
    return timingSafeEqual(Buffer.from(rec.hash, 'hex'), Buffer.from(hash, 'hex')) ? rec : null;
  }
}
