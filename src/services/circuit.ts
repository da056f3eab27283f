/**
 * Per-provider circuit breakers, shared by every process through Redis (store/circuit-store.ts). Closed: traffic
 * flows and submit outcomes fill a sliding window; past `minRequests` with a failure ratio at or above the threshold it
 * opens. Open: no traffic until `openUntil`. Then half-open: exactly one caller gets the probe; its success closes the
 * circuit, its failure reopens it. `quota_exhausted`/`auth_invalid` open it at once for the long period; a 429's
 * Retry-After opens it until then.
 */
import type { ErrorClass } from '../../providers/types.js';
import type { Config } from '../config.js';
import type { CircuitState, CircuitStore, Gate } from '../store/circuit-store.js';

export type { CircuitState, Gate } from '../store/circuit-store.js';

/** Classes that say the provider is unwell; content and validation errors say nothing about its health. */
export const HEALTH_FAILURES: ReadonlySet<ErrorClass> = new Set(['rate_limited', 'quota_exhausted', 'auth_invalid', 'unavailable', 'timeout', 'ambiguous', 'not_found']);

export interface CircuitView { state: CircuitState; openUntil: number | null; reason: string | null }

export type TransitionHook = (providerId: string, to: CircuitState) => void;

export class CircuitBreakers {
  private seq = 0;

  constructor(private readonly store: CircuitStore, private readonly cfg: Config['circuitBreaker'], private readonly onTransition: TransitionHook = () => undefined) {}

  /** May a submit go to this provider now? `probe` means: yes, as the one half-open probe. */
  async pass(providerId: string, now = Date.now()): Promise<Gate> {
    const gate = await this.store.pass({ providerId, now, probeTimeoutMs: this.cfg.probeTimeoutMs, token: `${process.pid}-${++this.seq}` });
    if (gate === 'probe') this.onTransition(providerId, 'half_open');
    return gate;
  }

  /** Feeds a submit outcome: `ok`, or the class of the error (content/validation errors count as healthy answers). */
  async record(providerId: string, outcome: 'ok' | ErrorClass, retryAfterMs = 0, now = Date.now()): Promise<CircuitState> {
    const { windowMs, minRequests, failureRatio, openMs, longOpenMs } = this.cfg;
    const healthy = outcome === 'ok' || !HEALTH_FAILURES.has(outcome);
    const { state, changed } = await this.store.record({ providerId, now, healthy, kind: outcome, windowMs, minRequests, failureRatio, openMs, longOpenMs, retryAfterMs });
    if (changed) this.onTransition(providerId, state);
    return state;
  }

  /** Current state of each provider, as `GET /v1/providers` and the router see it (an expired open reads half-open). */
  async view(ids: string[], now = Date.now()): Promise<Record<string, CircuitView>> {
    const rows = await this.store.read(ids);
    const out: Record<string, CircuitView> = {};
    ids.forEach((id, i) => {
      const { state, until, reason } = rows[i]!;
      out[id] = { state: state === 'open' && until !== null && now >= until ? 'half_open' : state, openUntil: state === 'open' ? until : null, reason };
    });
    return out;
  }

  /** Submits and failures over the last window, per provider (the admin view's recent error rate). */
  recent(ids: string[], now = Date.now()): Promise<Array<{ submits: number; failures: number }>> {
    return this.store.recent(ids, this.cfg.windowMs, now);
  }
}
