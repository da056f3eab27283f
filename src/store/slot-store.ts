/**
 * Counting semaphores in Redis (a provider's `maxConcurrency`, a tenant's `maxConcurrentTasks`): holders scored by
 * lease end, waiters by arrival (scripts slot-acquire / slot-release). Scope names are the caller's.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { slotAcquire, slotRelease } from './scripts.js';

export class SlotStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly staleMs: number) {}

  /**
   * Takes (or keeps) a slot for `member` in every scope, or none: null when held, else the scope that is full (the
   * member keeps its place in that line). `order` places a new waiter (e.g. task creation time).
   */
  async acquire(scopes: Array<{ scope: string; max: number }>, member: string, order: number, leaseUntil: number, now = Date.now()): Promise<string | null> {
    const blocked = await runScript(this.redis, this.keys, slotAcquire, { scopes, member, now, leaseUntil, order, staleMs: this.staleMs });
    return blocked === 0 ? null : scopes[blocked - 1]!.scope;
  }

  /** Frees the slots and places in line in these scopes (idempotent). */
  async release(scopes: string[], member: string): Promise<void> {
    await runScript(this.redis, this.keys, slotRelease, { scopes, member });
  }

  /** Holders right now (leases still running). */
  inUse(scopes: string[], now = Date.now()): Promise<number[]> {
    return Promise.all(scopes.map((s) => this.redis.zcount(this.keys.slots(s), `(${now}`, '+inf')));
  }
}
