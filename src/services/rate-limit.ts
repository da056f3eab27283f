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
 *
 * Leases: a process that sees a tenant's requests come fast asks the script for several admissions at once and hands
 * them out itself, with no Redis call, until they are used up or Redis's second they were counted in ends (whichever
 * comes first). Every admission is counted in Redis before it is handed out, and only in the second it is used in, so
 * the guarantees above hold unchanged: a lease only moves the counting earlier within the same second. What a lease
 * costs is admissions counted but never used (its rest when its second ends), which can refuse a tenant a little
 * early; the script keeps that small by never granting more than a sixteenth of the room left in the window (and one
 * at a time near the limit, so the last requests before it are decided one by one, exactly as without leases).
 * A refusal is shared the same way until Redis's second ends: room in the window only appears when a second leaves
 * it, so a refusal cannot turn into an admission within the same second.
 */
import type { Redis } from 'ioredis';
import { HotScript, turnBatchOf } from '../store/hot-script.js';
import type { Keys } from '../store/keys.js';

/**
 * KEYS: the tenant's window, a hash: field = a second of Redis's clock (Unix seconds) → requests admitted in it,
 *       plus `n` (the sum of the bucket fields) and `o` (the oldest bucket field present).
 * ARGV: limit, window (seconds), want (admissions asked for: 1, or more for a lease)
 * Returns {granted, remaining, ms, secondLeftMs}: granted ≥ 1 admitted (min(want, max(1, ⌊room / 16⌋)), all counted
 * now), with ms until the oldest counted bucket leaves the window (a request frees up); granted 0 refused, with ms
 * until enough of the oldest buckets have left for one more request. secondLeftMs: what is left of Redis's current
 * second, the second every grant is counted in.
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
local want = tonumber(ARGV[3]) or 1
local t = redis.call('TIME')
local sec = tonumber(t[1])
local now = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
local secondLeft = (sec + 1) * 1000 - now
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
  local g = math.min(want, math.max(1, math.floor((limit - n) / 16)))
  if n == 0 or sec < o then
    o = sec
    changed = true
  end
  if changed then redis.call('HSET', key, 'n', n + g, 'o', o) else redis.call('HINCRBY', key, 'n', g) end
  if redis.call('HINCRBY', key, sec, g) == g then redis.call('PEXPIREAT', key, (sec + span + 2) * 1000) end
  return {g, limit - n - g, (o + span + 1) * 1000 - now, secondLeft}
end
if changed then redis.call('HSET', key, 'n', n, 'o', o) end
local need = n - limit + 1
local free = o
for s = o, o + 2 * span do
  need = need - (tonumber(redis.call('HGET', key, s)) or 0)
  free = s
  if need <= 0 then break end
end
return {0, 0, (free + span + 1) * 1000 - now, secondLeft}
`;

export const RATE_WINDOW_MS = 60_000;
const WINDOW_ARG = String(RATE_WINDOW_MS / 1000);
/** Most admissions one lease asks for. */
const MAX_LEASE = 256;
/** Tenants' lease states kept before expired ones are dropped. */
const PRUNE_AT = 1000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window has room for one more request. */
  resetMs: number;
}

type Reply = [granted: number, remaining: number, resetMs: number, secondLeftMs: number];

/** What this process holds for one tenant: admissions (or a refusal) valid until Redis's second ends. */
interface Lease {
  limit: number;
  /** Admissions left to hand out (0 with a refusal). */
  left: number;
  /** Handed out from the current lease so far. */
  used: number;
  /** Granted by the current lease; the size of the next one follows from how it went. */
  granted: number;
  /** The window's room in Redis after the grant (not counting `left`). */
  remaining: number;
  refused: boolean;
  /** performance.now() until which the lease (or refusal) holds: the end of the Redis second it was counted in. */
  until: number;
  /** performance.now() at which the window frees a request (admitted) or has room again (refused). */
  resetAt: number;
  /** Admissions the next call asks for. */
  want: number;
  /** The call in flight for this tenant: requests meanwhile wait for it instead of making their own. */
  pending: Promise<void> | null;
}

export class RateLimiter {
  private readonly prefix: string;
  private readonly leases = new Map<string, Lease>();
  private prunedAt = 0;

  /** Sent in the connection's per-turn batch (store/hot-script.ts), so a read made in the same turn shares its write. */
  private readonly script: HotScript<Reply>;

  constructor(redis: Redis, keys: Keys) {
    this.prefix = `${keys.prefix}:rlw:`;
    this.script = new HotScript(turnBatchOf(redis), BUCKET_WINDOW, 1, (args) => redis.eval(BUCKET_WINDOW, 1, ...args) as Promise<Reply>);
  }

  /** The Redis hash holding the tenant's window. */
  key(tenantId: string): string {
    return this.prefix + tenantId;
  }

  /**
   * Counts one request of the tenant, unless `perMinute` requests were already admitted in the last 60 s. Decided at
   * once (no promise) when this process holds a lease or a refusal for the tenant; otherwise after one Lua call.
   */
  take(tenantId: string, perMinute: number): RateDecision | Promise<RateDecision> {
    let lease = this.leases.get(tenantId);
    if (lease === undefined || lease.limit !== perMinute) {
      if (this.leases.size >= PRUNE_AT) this.prune();
      lease = { limit: perMinute, left: 0, used: 0, granted: 0, remaining: 0, refused: false, until: 0, resetAt: 0, want: 1, pending: null };
      this.leases.set(tenantId, lease);
    }
    const now = performance.now();
    if (now < lease.until) {
      if (lease.left > 0) return handOut(lease, now);
      if (lease.refused) return refusal(lease, now);
    }
    return this.renew(tenantId, lease);
  }

  /** `take`, always as a promise. */
  hit(tenantId: string, perMinute: number): Promise<RateDecision> {
    const d = this.take(tenantId, perMinute);
    return d instanceof Promise ? d : Promise.resolve(d);
  }

  /** One Lua call for the tenant at a time; requests that arrive meanwhile take from its answer. */
  private renew(tenantId: string, lease: Lease): Promise<RateDecision> {
    if (lease.pending) return lease.pending.then(() => this.take(tenantId, lease.limit));
    // The next lease follows demand: twice the last one when it ran out within its second, what was used of it when
    // its second ended first.
    const sentAt = performance.now();
    if (lease.granted > 0) lease.want = lease.left === 0 && sentAt < lease.until ? Math.min(MAX_LEASE, lease.granted * 2) : Math.max(1, lease.used);
    lease.left = 0;
    lease.used = 0;
    lease.granted = 0;
    lease.refused = false;
    let decided!: RateDecision;
    lease.pending = this.script.call([this.prefix + tenantId, String(lease.limit), WINDOW_ARG, String(lease.want)]).then(
      ([granted, remaining, resetMs, secondLeftMs]) => {
        const now = performance.now();
        // Redis read its clock after `sentAt` and before now: its second ends no sooner than sentAt + secondLeftMs
        // here (a lease never outlives it), and its window frees a request no sooner than now + resetMs (a client is
        // never told to come back too early).
        lease.until = sentAt + secondLeftMs;
        lease.resetAt = now + Math.max(0, resetMs);
        lease.remaining = remaining;
        lease.granted = granted;
        lease.refused = granted === 0;
        lease.left = granted;
        lease.pending = null;
        decided = granted > 0 ? handOut(lease, now) : refusal(lease, now);
      },
      (err: unknown) => {
        lease.pending = null;
        lease.until = 0;
        throw err;
      },
    );
    return lease.pending.then(() => decided);
  }

  /** Forgets tenants whose lease has ended and who have no call in flight. */
  private prune(): void {
    const now = performance.now();
    if (now - this.prunedAt < 1000) return;
    this.prunedAt = now;
    for (const [id, lease] of this.leases) if (lease.pending === null && lease.until <= now) this.leases.delete(id);
  }
}

/** Whole ms from `now` to `at`, rounded up (Redis answers in whole ms; never earlier than it said). */
const msUntil = (at: number, now: number) => Math.max(0, Math.ceil(at - now));

/** One admission from the lease. `remaining` counts what this process still holds as room. */
function handOut(lease: Lease, now: number): RateDecision {
  lease.left--;
  lease.used++;
  return { allowed: true, limit: lease.limit, remaining: lease.remaining + lease.left, resetMs: msUntil(lease.resetAt, now) };
}

function refusal(lease: Lease, now: number): RateDecision {
  return { allowed: false, limit: lease.limit, remaining: 0, resetMs: msUntil(lease.resetAt, now) };
}

/** The `RateLimit-*` headers (IETF draft, delta seconds) and, when refused, `Retry-After`. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  const reset = String(Math.max(1, Math.ceil(d.resetMs / 1000)));
  const headers: Record<string, string> = { 'ratelimit-limit': String(d.limit), 'ratelimit-remaining': String(d.remaining), 'ratelimit-reset': reset };
  if (!d.allowed) headers['retry-after'] = reset;
  return headers;
}
