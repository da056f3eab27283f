/**
 * Per-tenant request limit: a sliding one-minute window of per-second buckets, kept in one small Redis hash per
 * tenant and checked in one Lua call on Redis's own clock, so the limit holds across any number of API processes
 * (never `limit × replicas`).
 *
 * What it guarantees:
 * - never more than `limit` admitted requests in any 60 s window (the check and the count are one atomic script);
 * - a request is counted in the second (of Redis's clock) it arrived in, and the window a request is checked against
 *   is the 61 buckets that overlap the last 60 s, the oldest (partly overlapping) one counted whole: a request may be
 *   refused up to 1 s earlier than an exact per-request log would refuse it, never later;
 * - refused requests are not counted;
 * - memory is one hash of at most 63 small fields per tenant (61 buckets, a running total, the oldest bucket),
 *   whatever the limit; the key expires by itself once its newest bucket has left the window.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';

/**
 * KEYS: the tenant's window, a hash: field = a second of Redis's clock (Unix seconds) → requests admitted in it,
 *       plus `n` (the sum of the bucket fields) and `o` (the oldest bucket field present).
 * ARGV: limit, window (seconds)
 * Returns {allowed 1|0, remaining, ms}: admitted, ms until the oldest counted bucket leaves the window (a request
 * frees up); refused, ms until enough of the oldest buckets have left for one more request.
 *
 * Buckets wholly out of the window (older than now − window, in seconds) are subtracted from `n` and deleted, oldest
 * first, and `o` moves to the next bucket present. Every bucket is at most `window` s newer than `o`, so when `o` is
 * more than twice the window old nothing is live and the key simply starts over; otherwise the walk is at most
 * 2 × window + 1 steps, and each second is walked past once in the key's life (amortised O(1) per request).
 * A bucket `s` is counted until Redis's clock reaches second `s + window + 1`: that is when it frees its requests.
 */
const BUCKET_WINDOW = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local t = redis.call('TIME')
local sec = tonumber(t[1])
local now = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
local first = sec - span
local state = redis.call('HMGET', key, 'n', 'o')
local n = tonumber(state[1]) or 0
local o = tonumber(state[2]) or sec
local changed = false
if n <= 0 or o + span < first then
  if state[1] then redis.call('DEL', key) end
  n = 0
  o = sec
elseif o < first then
  local s = o
  while s <= sec do
    local c = tonumber(redis.call('HGET', key, s))
    if c then
      if s >= first then break end
      n = n - c
      redis.call('HDEL', key, s)
    end
    s = s + 1
  end
  o = s
  changed = true
end
if n < limit then
  if n == 0 or sec < o then
    o = sec
    changed = true
  end
  if changed then redis.call('HSET', key, 'n', n + 1, 'o', o) else redis.call('HINCRBY', key, 'n', 1) end
  if redis.call('HINCRBY', key, sec, 1) == 1 then redis.call('PEXPIREAT', key, (sec + span + 2) * 1000) end
  return {1, limit - n - 1, (o + span + 1) * 1000 - now}
end
if changed then redis.call('HSET', key, 'n', n, 'o', o) end
local need = n - limit + 1
local free = o
for s = o, o + 2 * span do
  need = need - (tonumber(redis.call('HGET', key, s)) or 0)
  free = s
  if need <= 0 then break end
end
return {0, 0, (free + span + 1) * 1000 - now}
`;

export const RATE_WINDOW_MS = 60_000;
const WINDOW_S = RATE_WINDOW_MS / 1000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window has room for one more request. */
  resetMs: number;
}

const SHA = createHash('sha1').update(BUCKET_WINDOW).digest('hex');

type Reply = [allowed: number, remaining: number, resetMs: number];

export class RateLimiter {
  private readonly prefix: string;

  constructor(private readonly redis: Redis, keys: Keys) {
    this.prefix = `${keys.prefix}:rlw:`;
  }

  /** The Redis hash holding the tenant's window. */
  key(tenantId: string): string {
    return this.prefix + tenantId;
  }

  /** Counts one request of the tenant, unless `perMinute` requests were already admitted in the last 60 s. */
  hit(tenantId: string, perMinute: number): Promise<RateDecision> {
    const key = this.prefix + tenantId;
    // EVALSHA as a plain command (cheaper on the request path than ioredis's script helper); EVAL once when Redis
    // does not have the script yet, which also caches it there.
    return this.redis.evalsha(SHA, 1, key, perMinute, WINDOW_S).then(
      (reply) => decision(reply as Reply, perMinute),
      (err: Error) => {
        if (!err.message.includes('NOSCRIPT')) throw err;
        return this.redis.eval(BUCKET_WINDOW, 1, key, perMinute, WINDOW_S).then((reply) => decision(reply as Reply, perMinute));
      },
    );
  }
}

function decision([allowed, remaining, resetMs]: Reply, limit: number): RateDecision {
  return { allowed: allowed === 1, limit, remaining, resetMs: Math.max(0, resetMs) };
}

/** The `RateLimit-*` headers (IETF draft, delta seconds) and, when refused, `Retry-After`. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  const reset = String(Math.max(1, Math.ceil(d.resetMs / 1000)));
  const headers: Record<string, string> = { 'ratelimit-limit': String(d.limit), 'ratelimit-remaining': String(d.remaining), 'ratelimit-reset': reset };
  if (!d.allowed) headers['retry-after'] = reset;
  return headers;
}
