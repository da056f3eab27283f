/**
 * Per-provider poll budget, shared by every worker, on Redis's clock. Two parts:
 * - a reservation schedule (GCRA-style): each timer poll books the next free slot at `pollsPerSecond` and waits until
 *   it, so a burst of due tasks is spread evenly instead of retrying in a herd;
 * - an admission check when the poll is about to go out: a one-second sliding log, so that jobs running late (a busy
 *   worker) cannot bunch up — in any second at most `pollsPerSecond` polls leave.
 */
import type { Redis, Result } from 'ioredis';
import type { Keys } from '../store/keys.js';

/** KEYS: the provider's schedule. ARGV: pollsPerSecond. → milliseconds to wait before polling (0 = now). */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local interval = 1000 / rate
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local slot = tat + interval
redis.call('SET', KEYS[1], tostring(slot), 'PX', math.ceil(slot - now) + 2000)
local wait = slot - now
if wait < 0 then return 0 end
return math.ceil(wait)
`;

/** KEYS: the provider's last-second log. ARGV: pollsPerSecond, unique member. → 0 admitted, else ms to wait. */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 2000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + 1000 - now)
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgPollReserve(...args: Array<string | number>): Result<number, Context>;
    mjgPollAdmit(...args: Array<string | number>): Result<number, Context>;
  }
}

export class PollBudget {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {
    redis.defineCommand('mjgPollReserve', { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand('mjgPollAdmit', { numberOfKeys: 1, lua: ADMIT });
  }

  /** Lets a poll go out now if the last second had room; else how long until it has. */
  admit(providerId: string, pollsPerSecond: number): Promise<number> {
    return this.redis.mjgPollAdmit(`${this.keys.pollBudget(providerId)}:log`, Math.max(1, Math.floor(pollsPerSecond)), `${Date.now()}-${Math.random()}`);
  }

  /** Books a poll of this provider; returns how long to wait before making it. */
  reserve(providerId: string, pollsPerSecond: number): Promise<number> {
    return this.redis.mjgPollReserve(this.keys.pollBudget(providerId), pollsPerSecond);
  }
}
