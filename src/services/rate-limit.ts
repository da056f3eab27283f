/**
 * Per-tenant request limit: a sliding one-minute window of per-second buckets, kept in one small Redis hash per
 * tenant and checked in one Lua call on Redis's own clock (store/lua/rate-window-1.lua, which explains the buckets), so the limit holds across any number of API processes
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
 * Admissions of a lease still unused when its second ends are given back to that second's bucket (rate-return-1.lua),
 * so steady traffic spread over several processes still gets its whole allowance.
 * A refusal is shared the same way until Redis's second ends: room in the window only appears when a second leaves
 * it, so a refusal cannot turn into an admission within the same second.
 */
import type { RateWindowStore } from '../store/rate-window-store.js';

export const RATE_WINDOW_MS = 60_000;
const WINDOW_SEC = RATE_WINDOW_MS / 1000;
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
  /** The second (Redis's clock, Unix) the current lease was counted in: where unused admissions go back. */
  second: number;
  /** Bumped on every renewal, so a give-back timer of an older lease does nothing. */
  gen: number;
  /** The call in flight for this tenant: requests meanwhile wait for it instead of making their own. */
  pending: Promise<void> | null;
}

export class RateLimiter {
  private readonly leases = new Map<string, Lease>();
  private prunedAt = 0;

  constructor(private readonly windows: RateWindowStore) {}

  /**
   * Counts one request of the tenant, unless `perMinute` requests were already admitted in the last 60 s. Decided at
   * once (no promise) when this process holds a lease or a refusal for the tenant; otherwise after one Lua call.
   */
  take(tenantId: string, perMinute: number): RateDecision | Promise<RateDecision> {
    let lease = this.leases.get(tenantId);
    if (lease === undefined || lease.limit !== perMinute) {
      if (this.leases.size >= PRUNE_AT) this.prune();
      lease = { limit: perMinute, left: 0, used: 0, granted: 0, remaining: 0, refused: false, until: 0, resetAt: 0, want: 1, second: 0, gen: 0, pending: null };
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
    this.giveBack(tenantId, lease);
    lease.gen++;
    lease.used = 0;
    lease.granted = 0;
    lease.refused = false;
    let decided!: RateDecision;
    lease.pending = this.windows.take({ tenantId, limit: lease.limit, windowSec: WINDOW_SEC, want: lease.want }).then(
      ([granted, remaining, resetMs, secondLeftMs, second]) => {
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
        lease.second = second;
        lease.pending = null;
        decided = granted > 0 ? handOut(lease, now) : refusal(lease, now);
        if (lease.left > 0) {
          const gen = lease.gen;
          setTimeout(() => lease.gen === gen && this.giveBack(tenantId, lease), Math.max(0, lease.until - performance.now())).unref();
        }
      },
      (err: unknown) => {
        lease.pending = null;
        lease.until = 0;
        throw err;
      },
    );
    return lease.pending.then(() => decided);
  }

  /** Ends the lease's hand-outs and gives what is left of it back to Redis (it was counted, never used). */
  private giveBack(tenantId: string, lease: Lease): void {
    const unused = lease.left;
    lease.left = 0;
    if (unused > 0) void this.windows.giveBack(tenantId, lease.second, unused).catch(() => undefined);
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
