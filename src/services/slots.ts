/**
 * Counting semaphores in Redis: a provider's `maxConcurrency` and a tenant's `maxConcurrentTasks`. Holders are a
 * sorted set scored by lease end (a crashed holder frees its slot when the lease runs out); waiters queue by arrival,
 * and only the first `free` of them may take a slot, so tasks start in order. A waiter that stops asking (its task
 * ended, its worker died) drops out of the queue after `staleMs`.
 */
import type { Redis, Result } from 'ioredis';
import type { Keys } from '../store/keys.js';

/** KEYS: holders, waiters, heartbeats. ARGV: member, max, now, leaseUntil, order, staleMs → 1 acquired, 0 wait. */
const ACQUIRE = `
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[1])
  return 1
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[6]))
for _, m in ipairs(stale) do
  redis.call('ZREM', KEYS[2], m)
  redis.call('ZREM', KEYS[3], m)
end
redis.call('ZADD', KEYS[2], 'NX', tonumber(ARGV[5]), ARGV[1])
redis.call('ZADD', KEYS[3], now, ARGV[1])
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
if free > 0 and redis.call('ZRANK', KEYS[2], ARGV[1]) < free then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 1
end
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgSlotAcquire(...args: Array<string | number>): Result<number, Context>;
  }
}

export const providerScope = (providerId: string) => `p:${providerId}`;
export const tenantScope = (tenantId: string) => `t:${tenantId}`;

export class Slots {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly staleMs: number) {
    redis.defineCommand('mjgSlotAcquire', { numberOfKeys: 3, lua: ACQUIRE });
  }

  /** Takes (or keeps) a slot for `member` if it is its turn. `order` places a new waiter (e.g. task creation time). */
  async acquire(scope: string, member: string, max: number, order: number, leaseUntil: number, now = Date.now()): Promise<boolean> {
    const k = this.keys;
    return (await this.redis.mjgSlotAcquire(k.slots(scope), k.slotWaiters(scope), k.slotHeartbeats(scope), member, max, now, leaseUntil, order, this.staleMs)) === 1;
  }

  /** Frees the slot and the place in line (idempotent). */
  async release(scope: string, member: string): Promise<void> {
    const k = this.keys;
    await this.redis.multi().zrem(k.slots(scope), member).zrem(k.slotWaiters(scope), member).zrem(k.slotHeartbeats(scope), member).exec();
  }

  /** Holders right now (leases still running). */
  async inUse(scopes: string[], now = Date.now()): Promise<number[]> {
    const pipe = this.redis.pipeline();
    for (const s of scopes) pipe.zcount(this.keys.slots(s), `(${now}`, '+inf');
    const rows = (await pipe.exec()) ?? [];
    return rows.map((r) => Number(r?.[1] ?? 0));
  }
}
