import { describe, expect, it } from 'vitest';
import { aggregatorHttpError } from '../../providers/aggregator/errors.js';
import { costOf } from '../../providers/aggregator/job.js';
import { withStepCost } from '../../providers/apimart/steps.js';
import { classOf403, type UpstreamResponse } from '../../providers/http.js';
import { legnextHttpError } from '../../providers/legnext/errors.js';
import { createLegnextAdapter } from '../../providers/legnext/index.js';
import { afterSubmitError, healthOutcome } from '../../src/domain/failover.js';

const res = (status: number, json: unknown): UpstreamResponse => ({ status, json, text: JSON.stringify(json), headers: {} });
const retry = { sameProviderAttempts: 1, baseDelayMs: 10, maxDelayMs: 100, onAmbiguousSubmit: 'retry' as const, resubmitOnUpstreamFailure: true };

describe('403: the account or the request', () => {
  it('reads the Legnext 403 texts (quickstart table: "Sensitive content detected or permission denied")', () => {
    expect(legnextHttpError(res(403, { code: 403, message: 'permission denied for model v8' })).kind).toBe('invalid_request');
    expect(legnextHttpError(res(403, { code: 403, message: 'Sensitive content detected' })).kind).toBe('content_rejected');
    expect(legnextHttpError(res(403, { code: 403, message: 'Forbidden' })).kind).toBe('auth_invalid');
    expect(legnextHttpError(res(402, { code: 402, message: 'Insufficient credits' })).kind).toBe('quota_exhausted');
    expect(legnextHttpError(res(401, { code: 401, message: 'Failed to verify api key' })).kind).toBe('auth_invalid');
  });

  it('keeps a key problem account-level even when it says permission denied', () => {
    expect(classOf403('permission denied: invalid api key')).toBe('auth_invalid');
    expect(classOf403('Insufficient balance')).toBe('quota_exhausted');
  });

  it('reads the aggregator 403 by its message', () => {
    expect(aggregatorHttpError(res(403, { code: 403, message: 'Insufficient balance or permission denied' }), 'submit').kind).toBe('quota_exhausted');
    expect(aggregatorHttpError(res(403, { code: 403, message: 'permission denied for this model' }), 'submit').kind).toBe('invalid_request');
  });
});

describe('parents the provider no longer knows', () => {
  it('reads Legnext\'s 400 "job … not found" as not_found', () => {
    expect(legnextHttpError(res(400, { code: 400, message: 'job 4017934e not found' })).kind).toBe('not_found');
    expect(legnextHttpError(res(400, { code: 400, message: 'imageNo must be 0-3' })).kind).toBe('invalid_request');
  });

  it('fails such a follow-up as parent_expired without counting against the provider', () => {
    expect(afterSubmitError({ kind: 'not_found', message: 'gone' }, { tries: 1, followUp: true, retry })).toMatchObject({ kind: 'fail', code: 'parent_expired' });
    expect(healthOutcome('not_found', true)).toBe('ok');
    expect(healthOutcome('not_found', false)).toBe('not_found');
    expect(healthOutcome('unavailable', true)).toBe('unavailable');
  });
});

describe('paused Legnext endpoints', () => {
  it('classifies a paused refusal as action_not_supported: roots move on, follow-ups fail', () => {
    const err = legnextHttpError(res(400, { code: 400, message: 'The endpoint /retexture is temporarily paused' }));
    expect(err.kind).toBe('action_not_supported');
    expect(afterSubmitError(err, { tries: 1, followUp: false, retry })).toEqual({ kind: 'failover' });
    expect(afterSubmitError(err, { tries: 1, followUp: true, retry })).toMatchObject({ kind: 'fail', code: 'invalid_request' });
  });

  it('takes the paused words from the provider option pausedPattern, checked at start-up', () => {
    expect(legnextHttpError(res(400, { message: 'feature offline' }), /offline/i).kind).toBe('action_not_supported');
    expect(() => createLegnextAdapter({ id: 'l', apiKey: 'k', timeoutMs: 1, dispatcher: undefined as never, options: { pausedPattern: '(' } })).toThrow(/pausedPattern/);
  });
});

describe('reported costs', () => {
  it("takes the aggregator's discount off its cost", () => {
    expect(costOf({ cost: '0.0800', discount: 0.02 })).toEqual({ amountUsd: 0.06, reported: true });
    expect(costOf({ cost: '0.0800', discount: 0 })).toEqual({ amountUsd: 0.08, reported: true });
    expect(costOf({ cost: '0.05', discount: 0.1 })).toEqual({ amountUsd: 0, reported: true });
    expect(costOf({ discount: 0.1 })).toBeUndefined();
  });

  it("adds APIMart's pre-step upscale only once the action's own cost is known", () => {
    const done = { status: 'succeeded' as const, cost: { amountUsd: 0.05, reported: true } };
    expect(withStepCost(done, { upscaleCostUsd: 0.01 }).cost).toEqual({ amountUsd: 0.06, reported: true });
    expect(withStepCost(done, {}).cost).toEqual({ amountUsd: 0.05, reported: true });
    expect(withStepCost({ status: 'succeeded' }, { upscaleCostUsd: 0.01 }).cost).toBeUndefined();
  });
});
