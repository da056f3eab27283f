/** Delays: exponential backoff with full jitter for retries, a growing interval for polls. Pure. */

/** Attempt n (0-based) → delay in [0, min(max, base·2ⁿ)), never shorter than the upstream's Retry-After. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, retryAfterMs?: number, rand = Math.random()): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  const jittered = Math.round(ceiling / 2 + (rand * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

export interface PollTiming { initialDelayMs: number; maxDelayMs: number; growth: number }

/**
 * Quick first checks, then slower: the interval is `growth` × the time the job has run, between the initial and
 * the maximum delay. Stateless (derived from the submit time), so a poll costs no write; Retry-After pushes it later.
 */
export function pollDelay(elapsedMs: number, t: PollTiming, retryAfterMs?: number): number {
  const d = Math.min(t.maxDelayMs, Math.max(t.initialDelayMs, Math.round(elapsedMs * t.growth)));
  return Math.max(d, retryAfterMs ?? 0);
}
