/**
 * What to do after a submit fails, from the error's class alone: retry the same provider, move to the next
 * one, or fail the task. Content and validation errors never move (every provider would refuse them too);
 * follow-ups never move (their parent lives on one provider), they retry until their deadline.
 */
import type { ErrorClass } from '../../providers/types.js';
import type { Config } from '../config.js';
import type { TaskErrorCode } from '../errors.js';
import { retryDelay } from './backoff.js';

export type SubmitDecision =
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failover' }
  | { kind: 'fail'; code: TaskErrorCode; message: string };

export interface SubmitContext {
  /** Tries already made on this provider, this one included. */
  tries: number;
  followUp: boolean;
  retry: Config['retry'];
}

const TRANSIENT: ReadonlySet<ErrorClass> = new Set(['rate_limited', 'unavailable', 'timeout']);
const ACCOUNT: ReadonlySet<ErrorClass> = new Set(['quota_exhausted', 'auth_invalid']);

export function afterSubmitError(err: { kind: ErrorClass; message: string; retryAfterMs?: number }, ctx: SubmitContext): SubmitDecision {
  const { retry } = ctx;
  const backoff = () => retryDelay(ctx.tries - 1, retry.baseDelayMs, retry.maxDelayMs, err.retryAfterMs);
  switch (err.kind) {
    case 'content_rejected':
      return { kind: 'fail', code: 'content_rejected', message: `the provider refused the content: ${err.message}` };
    case 'invalid_request':
      return { kind: 'fail', code: 'invalid_request', message: `the provider refused the request: ${err.message}` };
    case 'not_found':
      // A follow-up whose parent job the provider no longer knows (Legnext keeps follow-ups 3 days, APIMart tasks 3 days).
      if (ctx.followUp) return { kind: 'fail', code: 'parent_expired', message: `the provider no longer knows the parent job: ${err.message}` };
      return ctx.tries <= retry.sameProviderAttempts ? { kind: 'retry', delayMs: backoff() } : { kind: 'failover' };
    case 'action_not_supported':
      // The provider does not run this action now (a paused endpoint): a root task moves on, a follow-up cannot.
      if (ctx.followUp) return { kind: 'fail', code: 'invalid_request', message: `the parent's provider does not run this action now: ${err.message}` };
      return { kind: 'failover' };
    case 'ambiguous':
      if (retry.onAmbiguousSubmit === 'fail') {
        return { kind: 'fail', code: 'upstream_error', message: `the submit's answer was lost and the job may exist upstream (onAmbiguousSubmit: fail): ${err.message}` };
      }
      return ctx.followUp || ctx.tries <= retry.sameProviderAttempts ? { kind: 'retry', delayMs: backoff() } : { kind: 'failover' };
    default:
      if (ACCOUNT.has(err.kind)) return ctx.followUp ? { kind: 'retry', delayMs: backoff() } : { kind: 'failover' };
      if (TRANSIENT.has(err.kind)) {
        return ctx.followUp || ctx.tries <= retry.sameProviderAttempts ? { kind: 'retry', delayMs: backoff() } : { kind: 'failover' };
      }
      return { kind: 'fail', code: 'upstream_error', message: err.message };
  }
}

/**
 * What a submit error says about the provider's health for its circuit: a follow-up's parent the provider no longer
 * knows is that task's problem (`parent_expired`), not the provider's, so one tenant's stale ids cannot open the
 * circuit for everyone. Everything else is judged by its class (`HEALTH_FAILURES`).
 */
export const healthOutcome = (kind: ErrorClass, followUp: boolean): ErrorClass | 'ok' => (followUp && kind === 'not_found' ? 'ok' : kind);
