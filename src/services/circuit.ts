/**
 * Per-provider circuit breakers in Redis, shared by every process. Closed: traffic flows and submit outcomes fill a
 * sliding window; past `minRequests` with a failure ratio at or above the threshold it opens. Open: no traffic until
 * `openUntil`. Then half-open: exactly one caller gets the probe; its success closes the circuit, its failure reopens
 * it. `quota_exhausted`/`auth_invalid` open it at once for the long period; a 429's Retry-After opens it until then.
 */
import type { Redis, Result } from 'ioredis';
import type { ErrorClass } from '../../providers/types.js';
import type { Config } from '../config.js';
import type { Keys } from '../store/keys.js';

export type CircuitState = 'closed' | 'open' | 'half_open';
export type Gate = 'closed' | 'probe' | 'open';

/** Classes that say the provider is unwell; content and validation errors say nothing about its health. */
export const HEALTH_FAILURES: ReadonlySet<ErrorClass> = new Set(['rate_limited', 'quota_exhausted', 'auth_invalid', 'unavailable', 'timeout', 'ambiguous', 'not_found']);

/** KEYS: state hash, probe lock. ARGV: now, probeTimeoutMs, token. → 'closed' | 'probe' | 'open' */
const PASS = `
local st = redis.call('HGET', KEYS[1], 'state')
if not st or st == 'closed' then return 'closed' end
local now = tonumber(ARGV[1])
if st == 'open' then
  if now < tonumber(redis.call('HGET', KEYS[1], 'until') or '0') then return 'open' end
  redis.call('HSET', KEYS[1], 'state', 'half_open', 'changed', now)
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', tonumber(ARGV[2])) then return 'probe' end
return 'open'
`;

/**
 * KEYS: state hash, probe lock, window (all), window (failures): per-second counters in hashes, O(window) in size.
 * ARGV: now, ok(1|0), kind, windowMs, minRequests, ratio, openMs, longOpenMs, retryAfterMs
 * → the state after the outcome, prefixed with '!' when this call changed it. A success only counts (it cannot open
 * the circuit); the ratio is computed on failures.
 */
const RECORD = `
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[4])
local st = redis.call('HGET', KEYS[1], 'state') or 'closed'
local function open(ms, reason)
  redis.call('HSET', KEYS[1], 'state', 'open', 'until', now + ms, 'reason', reason, 'changed', now)
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  return '!open'
end
if ARGV[3] == 'quota_exhausted' or ARGV[3] == 'auth_invalid' then return open(tonumber(ARGV[8]), ARGV[3]) end
if ARGV[3] == 'rate_limited' and tonumber(ARGV[9]) > 0 then return open(tonumber(ARGV[9]), 'rate_limited') end
if st == 'half_open' then
  if ARGV[2] == '1' then
    redis.call('HSET', KEYS[1], 'state', 'closed', 'reason', '', 'changed', now)
    redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
    return '!closed'
  end
  return open(tonumber(ARGV[7]), ARGV[3])
end
if st == 'open' then return 'open' end
local from = math.floor((now - windowMs) / 1000)
local function count(key)
  local total = 0
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    if tonumber(flat[i]) <= from then redis.call('HDEL', key, flat[i]) else total = total + tonumber(flat[i + 1]) end
  end
  return total
end
local sec = math.floor(now / 1000)
redis.call('HINCRBY', KEYS[3], sec, 1)
redis.call('PEXPIRE', KEYS[3], windowMs + 2000)
if ARGV[2] == '1' then
  if redis.call('HLEN', KEYS[3]) > windowMs / 500 + 2 then count(KEYS[3]) end
  return 'closed'
end
redis.call('HINCRBY', KEYS[4], sec, 1)
redis.call('PEXPIRE', KEYS[4], windowMs + 2000)
local total = count(KEYS[3])
local fails = count(KEYS[4])
if total >= tonumber(ARGV[5]) and fails / total >= tonumber(ARGV[6]) then return open(tonumber(ARGV[7]), ARGV[3]) end
return 'closed'
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgCircuitPass(...args: Array<string | number>): Result<Gate, Context>;
    mjgCircuitRecord(...args: Array<string | number>): Result<string, Context>;
  }
}

export interface CircuitView { state: CircuitState; openUntil: number | null; reason: string | null }

export type TransitionHook = (providerId: string, to: CircuitState) => void;

export class CircuitBreakers {
  private seq = 0;

  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly cfg: Config['circuitBreaker'], private readonly onTransition: TransitionHook = () => undefined) {
    redis.defineCommand('mjgCircuitPass', { numberOfKeys: 2, lua: PASS });
    redis.defineCommand('mjgCircuitRecord', { numberOfKeys: 4, lua: RECORD });
  }

  /** May a submit go to this provider now? `probe` means: yes, as the one half-open probe. */
  async pass(providerId: string, now = Date.now()): Promise<Gate> {
    const gate = await this.redis.mjgCircuitPass(this.keys.circuit(providerId), this.keys.circuitProbe(providerId), now, this.cfg.probeTimeoutMs, `${process.pid}-${++this.seq}`);
    if (gate === 'probe') this.onTransition(providerId, 'half_open');
    return gate;
  }

  /** Feeds a submit outcome: `ok`, or the class of the error (content/validation errors count as healthy answers). */
  async record(providerId: string, outcome: 'ok' | ErrorClass, retryAfterMs = 0, now = Date.now()): Promise<CircuitState> {
    const ok = outcome === 'ok' || !HEALTH_FAILURES.has(outcome);
    const out = await this.redis.mjgCircuitRecord(
      this.keys.circuit(providerId), this.keys.circuitProbe(providerId), this.keys.circuitWindow(providerId), this.keys.circuitFailures(providerId),
      now, ok ? 1 : 0, outcome, this.cfg.windowMs, this.cfg.minRequests, this.cfg.failureRatio, this.cfg.openMs, this.cfg.longOpenMs, retryAfterMs,
    );
    const state = out.replace('!', '') as CircuitState;
    if (out.startsWith('!')) this.onTransition(providerId, state);
    return state;
  }

  /** Current state of each provider, as `GET /v1/providers` and the router see it (an expired open reads half-open). */
  async view(ids: string[], now = Date.now()): Promise<Record<string, CircuitView>> {
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.keys.circuit(id), 'state', 'until', 'reason');
    const rows = (await pipe.exec()) ?? [];
    const out: Record<string, CircuitView> = {};
    ids.forEach((id, i) => {
      const [state, until, reason] = (rows[i]?.[1] ?? []) as Array<string | null>;
      const openUntil = until ? Number(until) : null;
      const s = (state ?? 'closed') as CircuitState;
      out[id] = { state: s === 'open' && openUntil !== null && now >= openUntil ? 'half_open' : s, openUntil: s === 'open' ? openUntil : null, reason: reason || null };
    });
    return out;
  }
}
