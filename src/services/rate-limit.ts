/**
 * Per-tenant request limit: a sliding one-minute window kept in Redis and checked in one Lua call, on Redis's own
 * clock, so the limit is exact across any number of API processes (never `limit × replicas`).
 */
import { randomUUID } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { Keys } from '../store/keys.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgRateLimit(key: string, limit: number, windowMs: number, id: string): Result<[number, number, number], Context>;
  }
}

/**
 * KEYS: the tenant's window (a sorted set of request times)
 * ARGV: limit, window (ms), unique member id
 * Returns {allowed 1|0, remaining, ms until a slot frees}. Refused requests are not counted.
 */
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, limit - count - 1, tonumber(oldest[2]) + window - now}
end
local freeing = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return {0, 0, tonumber(freeing[2]) + window - now}
`;

export const RATE_WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window has room for one more request. */
  resetMs: number;
}

export class RateLimiter {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {
    redis.defineCommand('mjgRateLimit', { numberOfKeys: 1, lua: SLIDING_WINDOW });
  }

  /** Counts one request of the tenant, unless it is over `perMinute` in the last 60 s. */
  async hit(tenantId: string, perMinute: number): Promise<RateDecision> {
    const [allowed, remaining, resetMs] = await this.redis.mjgRateLimit(`${this.keys.prefix}:rl:${tenantId}`, perMinute, RATE_WINDOW_MS, randomUUID());
    return { allowed: allowed === 1, limit: perMinute, remaining, resetMs: Math.max(0, resetMs) };
  }
}

/** The `RateLimit-*` headers (IETF draft, delta seconds) and, when refused, `Retry-After`. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  const reset = String(Math.max(1, Math.ceil(d.resetMs / 1000)));
  const headers: Record<string, string> = { 'ratelimit-limit': String(d.limit), 'ratelimit-remaining': String(d.remaining), 'ratelimit-reset': reset };
  if (!d.allowed) headers['retry-after'] = reset;
  return headers;
}
