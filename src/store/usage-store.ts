/**
 * Usage counters in Redis: one hash per tenant and UTC day, in micro-dollars. The same counters enforce
 * `monthlyBudgetUsd` (reserve, in one Lua call over the month's days) and answer `GET /v1/usage`.
 * Fields: `res` (open reservations), `spent` (settled), `sub|<action>` (accepted tasks),
 * `<outcome>|<action>|<provider>` (finished tasks) and `usd|<action>|<provider>` (settled cost).
 */
import type { Redis, Result } from 'ioredis';
import type { Keys } from './keys.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgReserve(...args: Array<string | number>): Result<[number, number], Context>;
    mjgSettle(...args: Array<string | number>): Result<number, Context>;
  }
}

/**
 * KEYS: reservation, open reservations (zset), today's hash, the month's running totals (hash)
 * ARGV: estimate, limit (-1: none), reservation value, count field, ttlSec, reservation ttlSec, due (ms), task id
 * Returns {1, used} when reserved (or already reserved), {0, used} when the budget would be passed.
 */
const RESERVE = `
local v = redis.call('HMGET', KEYS[4], 'res', 'spent')
local used = (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
local est = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if limit >= 0 and used + est > limit then return {0, used} end
if redis.call('SET', KEYS[1], ARGV[3], 'NX', 'EX', tonumber(ARGV[6])) then
  redis.call('HINCRBY', KEYS[3], 'res', est)
  redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
  redis.call('HINCRBY', KEYS[4], 'res', est)
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[5]))
  redis.call('ZADD', KEYS[2], tonumber(ARGV[7]), ARGV[8])
end
return {1, used}
`;

/**
 * KEYS: reservation, the hash of the day it was made, open reservations (zset), that month's running totals
 * ARGV: expected reservation value, reserved amount, charged amount, outcome field ('' none), cost field,
 * a count field to take back ('' none: used when the task was never created), task id
 * Returns 1 when settled now, 0 when there was nothing (left) to settle: settling twice is harmless.
 */
const SETTLE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[7])
redis.call('HINCRBY', KEYS[2], 'res', -tonumber(ARGV[2]))
redis.call('HINCRBY', KEYS[2], 'spent', tonumber(ARGV[3]))
redis.call('HINCRBY', KEYS[4], 'res', -tonumber(ARGV[2]))
redis.call('HINCRBY', KEYS[4], 'spent', tonumber(ARGV[3]))
if ARGV[4] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[4], 1) end
if ARGV[6] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[6], -1) end
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBY', KEYS[2], ARGV[5], tonumber(ARGV[3])) end
return 1
`;

/** Day hashes outlive a year of usage queries; a reservation outlives any task deadline. */
const DAY_TTL_SEC = 400 * 86_400;
const RESERVATION_TTL_SEC = 40 * 86_400;

export type Outcome = 'succeeded' | 'failed' | 'canceled';

/** How a reservation ends: charged (0 releases), counted under an outcome, or taken back as never accepted. */
export interface Settlement { provider: string; outcome: Outcome | null; chargedMicros: number; uncount?: boolean }

export interface Reservation { day: string; micros: number; tenantId: string; action: string }

/** `YYYY-MM-DD` of a time in UTC. */
export const utcDay = (at: Date | number | string) => new Date(at).toISOString().slice(0, 10);

/** Every UTC day from `from` to `to` (inclusive), as `YYYY-MM-DD`. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(utcDay(t));
  return out;
}

export class UsageStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {
    redis.defineCommand('mjgReserve', { numberOfKeys: 4, lua: RESERVE });
    redis.defineCommand('mjgSettle', { numberOfKeys: 4, lua: SETTLE });
  }

  private day(tenantId: string, day: string): string {
    return `${this.keys.prefix}:usage:${tenantId}:${day}`;
  }

  /** A month's reserved and spent totals (what the budget check reads: one hash, whatever the day). */
  private month(tenantId: string, day: string): string {
    return `${this.keys.prefix}:usage:${tenantId}:m:${day.slice(0, 7)}`;
  }

  private reservation(taskId: string): string {
    return `${this.keys.prefix}:resv:${taskId}`;
  }

  /** Open reservations scored by when their task must have ended (the reconciler's worklist). */
  private get open(): string {
    return `${this.keys.prefix}:resv-open`;
  }

  /**
   * Reserves `micros` for a task on the day `at` (UTC), unless the month's spent + reserved + this would pass
   * `limitMicros`. Returns whether it was reserved and what the month had used before.
   */
  async reserve(tenantId: string, taskId: string, action: string, micros: number, limitMicros: number | null, at: Date, dueAt: number): Promise<{ ok: boolean; usedMicros: number }> {
    const today = utcDay(at);
    const [ok, used] = await this.redis.mjgReserve(
      this.reservation(taskId), this.open, this.day(tenantId, today), this.month(tenantId, today), micros, limitMicros ?? -1, `${today}|${micros}|${tenantId}|${action}`, `sub|${action}`, DAY_TTL_SEC, RESERVATION_TTL_SEC, dueAt, taskId,
    );
    return { ok: ok === 1, usedMicros: used };
  }

  /** A task's open reservation, or null once settled. */
  async lookup(taskId: string): Promise<(Reservation & { value: string }) | null> {
    const value = await this.redis.get(this.reservation(taskId));
    if (!value) return null;
    const [day = '', micros = '0', tenantId = '', action = ''] = value.split('|');
    return { day, micros: Number(micros), tenantId, action, value };
  }

  /** Ends a task's reservation (see Settlement). Idempotent: false when there was nothing left to settle. */
  async settle(taskId: string, s: Settlement): Promise<boolean> {
    const r = await this.lookup(taskId);
    if (!r) return false;
    const out = await this.redis.mjgSettle(
      this.reservation(taskId), this.day(r.tenantId, r.day), this.open, this.month(r.tenantId, r.day), r.value, r.micros, s.chargedMicros,
      s.outcome ? `${s.outcome}|${r.action}|${s.provider}` : '', `usd|${r.action}|${s.provider}`, s.uncount ? `sub|${r.action}` : '', taskId,
    );
    return out === 1;
  }

  /** Tasks whose reservation is still open past the time they must have ended. */
  async overdue(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.open, '-inf', now, 'LIMIT', 0, limit);
  }

  /** Looks at an open reservation again later (its task is not final yet). */
  async postpone(taskId: string, until: number): Promise<void> {
    await this.redis.zadd(this.open, 'XX', until, taskId);
  }

  /** The counters of each day in the range, merged by field. */
  async totals(tenantId: string, days: string[]): Promise<Map<string, number>> {
    const pipe = this.redis.pipeline();
    for (const d of days) pipe.hgetall(this.day(tenantId, d));
    const rows = (await pipe.exec()) ?? [];
    const out = new Map<string, number>();
    for (const [err, row] of rows) {
      if (err) throw err;
      for (const [field, v] of Object.entries((row ?? {}) as Record<string, string>)) out.set(field, (out.get(field) ?? 0) + Number(v));
    }
    return out;
  }
}
