/**
 * Per-process cache of "key digest → key record + tenant", so an authenticated request costs no Redis read.
 * Every revoke and tenant change is published (TenantStore.subscribeChanges); each process drops the entries at once.
 * While the subscription is down the cache is bypassed and emptied, so a missed message can never keep a
 * revoked key alive; entries also expire after `maxAgeMs` as a last resort.
 */
import type { Logger } from 'pino';
import type { RedisAddress, Subscription } from '../store/connections.js';
import type { KeyRecord, Tenant, TenantStore } from '../store/tenant-store.js';

export interface Authenticated { rec: KeyRecord; tenant: Tenant }

export class AuthCache {
  private readonly entries = new Map<string, Authenticated & { at: number }>();
  /** Bumped on every invalidation: a lookup that overlapped one does not cache what it read. */
  private epoch = 0;
  private live = false;
  private sub?: Subscription;

  constructor(private readonly store: TenantStore, private readonly log: Logger, private readonly maxAgeMs = 30_000, private readonly maxEntries = 10_000) {}

  /** Subscribes to the change channel; until this is live, every lookup reads Redis. */
  async start(redisUrl: RedisAddress): Promise<void> {
    this.sub = this.store.subscribeChanges(redisUrl, {
      onChange: (message) => this.invalidate(message),
      onLive: (live) => this.setLive(live),
      onError: (err) => this.log.warn({ err: err.message }, 'auth cache subscription error'),
    });
    await this.sub.ready;
  }

  private setLive(live: boolean): void {
    this.epoch++;
    this.entries.clear();
    this.live = live && this.sub?.live === true;
  }

  private invalidate(message: string): void {
    this.epoch++;
    if (message.startsWith('key:')) this.entries.delete(message.slice(4));
    else if (message.startsWith('tenant:')) {
      const id = message.slice(7);
      for (const [hash, e] of this.entries) if (e.tenant.id === id) this.entries.delete(hash);
    } else this.entries.clear();
  }

  /** The cached entry when there is a usable one, without waiting (undefined: ask `lookup`). */
  peek(hash: string): Authenticated | undefined {
    const hit = this.live ? this.entries.get(hash) : undefined;
    return hit && Date.now() - hit.at < this.maxAgeMs ? hit : undefined;
  }

  /** The key's record and tenant, or null when the key is unknown, revoked or its tenant gone. */
  async lookup(hash: string): Promise<Authenticated | null> {
    const hit = this.peek(hash);
    if (hit) return hit;
    const epoch = this.epoch;
    const rec = await this.store.findKeyHash(hash);
    const tenant = rec ? await this.store.get(rec.tenantId) : null;
    if (!rec || !tenant) return null;
    if (this.live && epoch === this.epoch) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(hash, { rec, tenant, at: Date.now() });
    }
    return { rec, tenant };
  }

  async close(): Promise<void> {
    this.live = false;
    await this.sub?.close();
  }
}
