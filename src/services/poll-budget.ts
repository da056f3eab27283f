/**
 * Per-provider poll budget, shared by every worker: a reservation scheduler in Redis (GCRA-style, on Redis's clock).
 * Each poll books the next free slot at `pollsPerSecond` and waits until it, so a burst of due tasks is spread evenly
 * instead of retrying in a herd; no burst: in any second at most `pollsPerSecond` polls go out.
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgPollReserve(...args: Array<string | number>): Result<number, Context>;
  }
}

export class PollBudget {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {
    redis.defineCommand('mjgPollReserve', { numberOfKeys: 1, lua: RESERVE });
  }

  /** Books a poll of this provider; returns how long to wait before making it. */
  reserve(providerId: string, pollsPerSecond: number): Promise<number> {
    return this.redis.mjgPollReserve(this.keys.pollBudget(providerId), pollsPerSecond);
  }
}
