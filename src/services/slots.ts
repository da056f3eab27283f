/**
 * Counting semaphores in Redis: a provider's `maxConcurrency` and a tenant's `maxConcurrentTasks`. Holders are a
 * sorted set scored by lease end (a crashed holder frees its slot when the lease runs out). While nobody waits a
 * free slot is taken at once; otherwise waiters queue by arrival and only the first `free` of them may take one, so
 * tasks start in order. A waiter that stops asking (its task ended, its worker died) drops out after `staleMs`.
 */
import type { Redis, Result } from 'ioredis';
import type { Keys } from '../store/keys.js';

/**
 * Takes a slot in each scope in order (tenant, then provider), all or none.
 * KEYS: holders, waiters, heartbeats of each scope, in that order. ARGV: member, now, leaseUntil, order, staleMs,
 * then the max of each scope. → 0 when every slot is held, else the 1-based index of the scope that is full.
 */
const ACQUIRE = `
local member, now, lease, order, staleMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local function take(h, w, hb, max)
  redis.call('ZREMRANGEBYSCORE', h, '-inf', now)
  if redis.call('ZSCORE', h, member) then
    redis.call('ZADD', h, lease, member)
    return true
  end
  local free = max - redis.call('ZCARD', h)
  if free > 0 and redis.call('ZCARD', w) == 0 then
    redis.call('ZADD', h, lease, member)
    return true
  end
  local stale = redis.call('ZRANGEBYSCORE', hb, '-inf', now - staleMs)
  for _, m in ipairs(stale) do
    redis.call('ZREM', w, m)
    redis.call('ZREM', hb, m)
  end
  redis.call('ZADD', w, 'NX', order, member)
  redis.call('ZADD', hb, now, member)
  if free > 0 and redis.call('ZRANK', w, member) < free then
    redis.call('ZADD', h, lease, member)
    redis.call('ZREM', w, member)
    redis.call('ZREM', hb, member)
    return true
  end
  return false
end
local n = #KEYS / 3
for i = 1, n do
  if not take(KEYS[i * 3 - 2], KEYS[i * 3 - 1], KEYS[i * 3], tonumber(ARGV[5 + i])) then
    for j = 1, i - 1 do redis.call('ZREM', KEYS[j * 3 - 2], member) end
    return i
  end
end
return 0
`;

/** KEYS: holders, waiters, heartbeats of each scope. ARGV: member. Frees its slot and place in line everywhere. */
const RELEASE = `
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgSlotAcquire(...args: Array<string | number>): Result<number, Context>;
    mjgSlotRelease(...args: Array<string | number>): Result<number, Context>;
  }
}

export const providerScope = (providerId: string) => `p:${providerId}`;
export const tenantScope = (tenantId: string) => `t:${tenantId}`;

export class Slots {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly staleMs: number) {
    redis.defineCommand('mjgSlotAcquire', { lua: ACQUIRE });
    redis.defineCommand('mjgSlotRelease', { lua: RELEASE });
  }

  /**
   * Takes (or keeps) a slot for `member` in every scope, or none: null when held, else the scope that is full (the
   * member keeps its place in that line). `order` places a new waiter (e.g. task creation time).
   */
  async acquire(scopes: Array<{ scope: string; max: number }>, member: string, order: number, leaseUntil: number, now = Date.now()): Promise<string | null> {
    const k = this.keys;
    const keys = scopes.flatMap(({ scope }) => [k.slots(scope), k.slotWaiters(scope), k.slotHeartbeats(scope)]);
    const blocked = await this.redis.mjgSlotAcquire(keys.length, ...keys, member, now, leaseUntil, order, this.staleMs, ...scopes.map((s) => s.max));
    return blocked === 0 ? null : scopes[blocked - 1]!.scope;
  }

  /** Frees the slots and places in line in these scopes (idempotent). */
  async release(scopes: string[], member: string): Promise<void> {
    const k = this.keys;
    const keys = scopes.flatMap((scope) => [k.slots(scope), k.slotWaiters(scope), k.slotHeartbeats(scope)]);
    await this.redis.mjgSlotRelease(keys.length, ...keys, member);
  }

  /** Holders right now (leases still running). */
  async inUse(scopes: string[], now = Date.now()): Promise<number[]> {
    const pipe = this.redis.pipeline();
    for (const s of scopes) pipe.zcount(this.keys.slots(s), `(${now}`, '+inf');
    const rows = (await pipe.exec()) ?? [];
    return rows.map((r) => Number(r?.[1] ?? 0));
  }
}
