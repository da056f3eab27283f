import { describe, expect, it } from 'vitest';
import { liftSpeed, toCanonical } from '../../src/domain/canonical.js';
import { pollDelay, retryDelay } from '../../src/domain/backoff.js';
import { afterSubmitError } from '../../src/domain/failover.js';
import { newTaskId, taskIdFloor } from '../../src/domain/ids.js';
import { timeOut, type TaskPrivate, type TaskRecord } from '../../src/domain/task.js';
import { eligible, pick } from '../../src/domain/routing.js';
import { callbackUrlProblem, isBlockedAddress } from '../../src/domain/ssrf.js';
import { ApiError } from '../../src/errors.js';
import { utcDay } from '../../src/domain/time.js';
import type { Config } from '../../src/config.js';
import type { LiveTask } from '../../src/schemas/task.js';

const retry: Config['retry'] = { sameProviderAttempts: 2, baseDelayMs: 100, maxDelayMs: 1000, onAmbiguousSubmit: 'retry', resubmitOnUpstreamFailure: true };

describe('speed flags in prompts', () => {
  it('lifts --fast/--turbo/--relax out of the prompt', () => {
    expect(liftSpeed('a cat --ar 2:3 --turbo')).toEqual({ prompt: 'a cat --ar 2:3', speed: 'turbo' });
    expect(liftSpeed('--relax a dog')).toEqual({ prompt: 'a dog', speed: 'relax' });
    expect(liftSpeed('no flags--fastish')).toEqual({ prompt: 'no flags--fastish', speed: undefined });
  });

  it('refuses two different speeds', () => {
    expect(() => liftSpeed('x --fast --turbo')).toThrow(ApiError);
  });

  it('keeps the envelope fields out of the canonical request', () => {
    expect(toCanonical({ action: 'imagine', prompt: 'x --fast', metadata: { a: 1 }, callbackUrl: 'https://h/cb', provider: 'p' })).toEqual({ action: 'imagine', prompt: 'x', speed: 'fast' });
  });
});

describe('after a submit error', () => {
  const decide = (kind: Parameters<typeof afterSubmitError>[0]['kind'], tries = 1, followUp = false, r = retry) => afterSubmitError({ kind, message: 'm' }, { tries, followUp, retry: r });

  it('never moves content or validation errors to another provider', () => {
    expect(decide('content_rejected')).toMatchObject({ kind: 'fail', code: 'content_rejected' });
    expect(decide('invalid_request')).toMatchObject({ kind: 'fail', code: 'invalid_request' });
  });

  it('retries transient errors on the same provider, then fails over', () => {
    for (const k of ['rate_limited', 'unavailable', 'timeout'] as const) {
      expect(decide(k, 1).kind).toBe('retry');
      expect(decide(k, 2).kind).toBe('retry');
      expect(decide(k, 3).kind).toBe('failover');
    }
  });

  it('fails over at once on quota or auth errors', () => {
    expect(decide('quota_exhausted').kind).toBe('failover');
    expect(decide('auth_invalid').kind).toBe('failover');
  });

  it('keeps follow-ups on their provider', () => {
    expect(decide('quota_exhausted', 9, true).kind).toBe('retry');
    expect(decide('unavailable', 9, true).kind).toBe('retry');
    expect(decide('not_found', 1, true)).toMatchObject({ kind: 'fail', code: 'parent_expired' });
  });

  it('follows the ambiguous-submit policy', () => {
    expect(decide('ambiguous').kind).toBe('retry');
    expect(decide('ambiguous', 1, false, { ...retry, onAmbiguousSubmit: 'fail' })).toMatchObject({ kind: 'fail', code: 'upstream_error' });
  });

  it('honours Retry-After', () => {
    expect(afterSubmitError({ kind: 'rate_limited', message: 'm', retryAfterMs: 7000 }, { tries: 1, followUp: false, retry })).toEqual({ kind: 'retry', delayMs: 7000 });
  });
});

describe('delays', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect(retryDelay(0, 100, 1000, undefined, 0)).toBe(50);
    expect(retryDelay(0, 100, 1000, undefined, 0.999)).toBeLessThanOrEqual(100);
    expect(retryDelay(3, 100, 1000, undefined, 1)).toBe(800);
    expect(retryDelay(10, 100, 1000, undefined, 1)).toBe(1000);
  });

  it('polls quickly at first and slower later', () => {
    const t = { initialDelayMs: 1000, maxDelayMs: 5000, growth: 0.25 };
    expect(pollDelay(0, t)).toBe(1000);
    expect(pollDelay(8000, t)).toBe(2000);
    expect(pollDelay(120_000, t)).toBe(5000);
    expect(pollDelay(0, t, 9000)).toBe(9000);
  });
});

describe('routing', () => {
  const cands = [
    { id: 'a', priority: 1, weight: 1, unsupported: null },
    { id: 'b', priority: 1, weight: 3, unsupported: null },
    { id: 'c', priority: 2, weight: 1, unsupported: null },
    { id: 'd', priority: 0, weight: 1, unsupported: 'no relax' },
  ];

  it('keeps eligible providers, lowest priority first, and says why others are out', () => {
    const { ok, refused } = eligible(cands, { excluded: ['a'], allowList: ['a', 'b', 'c', 'd'] });
    expect(ok.map((c) => c.id)).toEqual(['b', 'c']);
    expect(refused).toEqual({ a: 'already failed for this task', d: 'no relax' });
    expect(eligible(cands, { excluded: [], pinned: 'c' }).ok.map((c) => c.id)).toEqual(['c']);
  });

  it('shares the best tier by weight', () => {
    const ok = eligible(cands, { excluded: [] }).ok;
    expect(pick(ok, 0.1)?.id).toBe('a');
    expect(pick(ok, 0.3)?.id).toBe('b');
    expect(pick(ok, 0.99)?.id).toBe('b');
  });
});

describe('task ids', () => {
  it('are unguessable and sort by time', () => {
    const a = newTaskId(1_700_000_000_000);
    const b = newTaskId(1_700_000_000_001);
    expect(a).toMatch(/^tsk_[0-9A-Z]{34}$/);
    expect(a < b).toBe(true);
    expect(taskIdFloor(1_700_000_000_001) > a).toBe(true);
    const many = Array.from({ length: 1000 }, () => newTaskId());
    expect(new Set(many).size).toBe(1000);
    // The random part alone is unique too, across refills of the random pool (20 bytes an id, 4 KiB a refill).
    expect(new Set(many.map((id) => id.slice(-20))).size).toBe(1000);
  });
});

describe('UTC days', () => {
  it('reads a stored task time as it is, and parses anything else', () => {
    expect(utcDay('2026-11-22T23:59:59.999Z')).toBe('2026-11-22');
    expect(utcDay('2026-11-22T00:00:00Z')).toBe('2026-11-22');
    // Not UTC: parsed, so the day is the UTC one.
    expect(utcDay('2026-11-22T23:30:00-05:00')).toBe('2026-11-23');
    expect(utcDay(Date.UTC(2026, 10, 22, 23, 59))).toBe('2026-11-22');
    expect(utcDay(new Date(Date.UTC(2026, 0, 1)))).toBe('2026-01-01');
    const at = new Date().toISOString();
    expect(utcDay(at)).toBe(new Date(at).toISOString().slice(0, 10));
  });
});

describe('callback URL guard', () => {
  it('blocks loopback, private, link-local, CGNAT and metadata addresses', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '224.0.0.1']) {
      expect(isBlockedAddress(ip), ip).toBe(true);
    }
    expect(isBlockedAddress('93.184.216.34')).toBe(false);
    expect(isBlockedAddress('2606:4700::1111')).toBe(false);
  });

  it('refuses private hosts unless allowed, and non-http schemes always', async () => {
    expect(await callbackUrlProblem('http://127.0.0.1:8080/hook', false)).toMatch(/SSRF/);
    expect(await callbackUrlProblem('http://localhost/hook', false)).toMatch(/local/);
    expect(await callbackUrlProblem('http://127.0.0.1:8080/hook', true)).toBeNull();
    expect(await callbackUrlProblem('ftp://example.com/x', true)).toMatch(/http or https/);
    expect(await callbackUrlProblem('https://user:pw@93.184.216.34/x', false)).toMatch(/credentials/);
    expect(await callbackUrlProblem('https://93.184.216.34/x', false)).toBeNull();
  });
});

describe('a task past its deadline', () => {
  const createdAt = '2026-11-22T10:00:00.000Z';
  const rec = (task: Partial<LiveTask>, priv: Partial<TaskPrivate>): TaskRecord => ({
    version: 3,
    task: {
      id: 'tsk_01M7ZZB9CC000YPR9VFY8NK05B6ES8VV8N', action: 'variation', status: 'queued', progress: 0, provider: null, upstreamId: null, parentId: null,
      input: { action: 'variation', taskId: 'tsk_x', index: 1 }, output: null, error: null, cost: null, attempts: [], metadata: {},
      createdAt, updatedAt: createdAt, submittedAt: null, finishedAt: null, ...task,
    },
    priv: {
      tenantId: 'acme', request: { action: 'imagine', prompt: 'x' } as never, deadlineAt: Date.parse(createdAt) + 90_000, upstreamState: {},
      phase: 'waiting', excluded: [], sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1, ...priv,
    },
  });

  it('fails with timeout, saying where it was stuck, whoever notices first', () => {
    const waiting = timeOut(rec({}, { waitReason: 'retrying primary after unavailable: 503', pinnedProvider: 'primary' }));
    expect(waiting.task).toMatchObject({ status: 'failed', error: { code: 'timeout', message: 'the task could not be submitted within its 90 s deadline: retrying primary after unavailable: 503' } });
    expect(waiting.task.finishedAt).not.toBeNull();
    expect(timeOut(rec({}, { phase: 'submitting', pinnedProvider: 'primary' })).task.error?.message).toBe('the task could not be submitted within its 90 s deadline: a submit to primary was still in flight');
    expect(timeOut(rec({}, { pinnedProvider: 'primary' })).task.error?.message).toMatch(/: waiting to be sent to primary$/);
    expect(timeOut(rec({}, {})).task.error?.message).toBe('the task could not be submitted within its 90 s deadline');
    const running = timeOut(rec({ status: 'running', provider: 'backup' }, { phase: 'polling' }));
    expect(running.task.error).toMatchObject({ code: 'timeout', provider: 'backup', message: 'the provider backup did not finish the job within the 90 s deadline' });
  });
});
