/**
 * Fault injection with two providers (two Legnext accounts: primary priority 1, backup priority 2): where each task
 * ends, what `attempts` says, and which upstream saw which request.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Fault, Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, sleep, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

const KEY = TENANT_A_KEY;
const LEGNEXT_503: Fault = { on: 'submit', status: 503, body: { code: 503, message: 'service unavailable', raw_message: '', detail: null } };

describe('routing and failover', () => {
  let primary: Simulator;
  let backup: Simulator;
  let gw: TestGateway;
  const submits = (s: Simulator) => s.state.requests.filter((r) => r.method === 'POST').length;
  const submit = async (body: Record<string, unknown>) => {
    const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body;
  };
  const run = async (body: Record<string, unknown>, timeoutMs = 20_000) => waitForTask(gw.url, KEY, (await submit(body)).id, timeoutMs);
  const circuit = async (id: string) => {
    const res = await api(gw.url, 'GET', '/v1/providers', { key: KEY });
    return res.body.data.find((p: { id: string }) => p.id === id).health;
  };

  beforeAll(async () => {
    primary = await startLegnextSimulator({ apiKey: 'k1' });
    backup = await startLegnextSimulator({ apiKey: 'k2' });
    gw = await startGateway({
      providers: [
        { id: 'primary', type: 'legnext', apiKey: 'k1', baseUrl: `${primary.url}/api`, priority: 1, timeoutMs: 400, maxConcurrency: 50 },
        { id: 'backup', type: 'legnext', apiKey: 'k2', baseUrl: `${backup.url}/api`, priority: 2, timeoutMs: 400, maxConcurrency: 50 },
      ],
      config: {
        circuitBreaker: { windowMs: 10_000, minRequests: 3, failureRatio: 0.5, openMs: 800, longOpenMs: 1500, probeTimeoutMs: 2000 },
        deadlines: { imageMs: 8000, videoMs: 8000 },
      },
    });
  });
  beforeEach(async () => {
    for (const s of [primary, backup]) {
      s.state.reset();
      s.state.behaviour.jobDurationMs = 40;
    }
    // Each case starts with healthy circuits.
    const keys = await gw.redis.keys(`${gw.config.keyPrefix}:circuit:*`);
    if (keys.length) await gw.redis.del(...keys);
  });
  afterAll(async () => {
    await gw?.close();
    await primary?.close();
    await backup?.close();
  });

  describe('when the primary answers 503', () => {
    it('retries it, then fails over to the backup', async () => {
      primary.state.faults.push({ ...LEGNEXT_503, times: 2 });
      const t = await run({ action: 'imagine', prompt: 'x' });
      expect(t).toMatchObject({ status: 'succeeded', provider: 'backup' });
      expect(t.attempts.map((a) => [a.provider, a.outcome, a.error?.class ?? null])).toEqual([
        ['primary', 'error', 'unavailable'], ['primary', 'error', 'unavailable'], ['backup', 'accepted', null],
      ]);
      expect(submits(primary)).toBe(2);
      expect(submits(backup)).toBe(1);
    });
  });

  describe('when the primary answers 429 with Retry-After', () => {
    it('keeps traffic off it until then and uses the backup', async () => {
      primary.state.faults.push({ on: 'submit', status: 429, headers: { 'retry-after': '1' } });
      const t = await run({ action: 'imagine', prompt: 'x' });
      expect(t.provider).toBe('backup');
      expect(t.attempts[0]).toMatchObject({ provider: 'primary', outcome: 'rejected', error: { class: 'rate_limited' } });
      expect((await circuit('primary')).circuit).toBe('open');
      const next = await run({ action: 'imagine', prompt: 'y' });
      expect(next.attempts.map((a) => a.provider)).toEqual(['backup']);
      await sleep(1100);
      const after = await run({ action: 'imagine', prompt: 'z' });
      expect(after.provider).toBe('primary'); // the probe went through and closed the circuit
      expect((await circuit('primary')).circuit).toBe('closed');
    });
  });

  describe.each([
    [402, 'quota_exhausted', { code: 402, message: 'insufficient credits', raw_message: '', detail: null }],
    [401, 'auth_invalid', { code: 401, message: 'Failed to verify api key', raw_message: '', detail: null }],
  ])('when the primary answers %i', (status, kind, body) => {
    it(`fails over at once (${kind}) and opens its circuit for the long period`, async () => {
      primary.state.faults.push({ on: 'submit', status, body, times: 5 });
      const t = await run({ action: 'imagine', prompt: 'x' });
      expect(t.attempts.map((a) => [a.provider, a.error?.class ?? null])).toEqual([['primary', kind], ['backup', null]]);
      const health = await circuit('primary');
      expect(health.circuit).toBe('open');
      expect(Date.parse(health.openUntil) - Date.now()).toBeGreaterThan(800);
      await run({ action: 'imagine', prompt: 'y' });
      expect(submits(primary)).toBe(1);
    });
  });

  describe('when the submit answer is lost', () => {
    it.each([
      ['a hang past the timeout', { on: 'submit', hang: true } satisfies Fault],
      ['a connection reset after the job was created', { on: 'submit', reset: true, acceptFirst: true } satisfies Fault],
      ['a malformed body', { on: 'submit', malformed: true } satisfies Fault],
    ])('records %s as ambiguous and retries (onAmbiguousSubmit: retry)', async (_name, fault) => {
      primary.state.faults.push(fault);
      const t = await run({ action: 'imagine', prompt: 'x' });
      expect(t.status).toBe('succeeded');
      expect(t.attempts[0]).toMatchObject({ provider: 'primary', outcome: 'ambiguous', error: { class: 'ambiguous' } });
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      expect(text).toMatch(/mjg_ambiguous_submits_total\{provider="primary",cause="lost_answer"\} [1-9]/);
    });
  });

  describe('errors that every provider would give', () => {
    it('fails content rejection at once, and the backup never sees it', async () => {
      primary.state.faults.push({ on: 'submit', status: 403, body: { code: 403, message: 'sensitive content detected', raw_message: '', detail: null } });
      const t = await run({ action: 'imagine', prompt: 'x' });
      expect(t.error).toMatchObject({ code: 'content_rejected', provider: null });
      expect(submits(backup)).toBe(0);
    });

    it('fails a 400 as invalid_request without failover', async () => {
      primary.state.faults.push({ on: 'submit', status: 400, body: { code: 400, message: 'Invalid request parameters', raw_message: '', detail: null } });
      const t = await run({ action: 'imagine', prompt: 'x' });
      expect(t.error?.code).toBe('invalid_request');
      expect(submits(backup)).toBe(0);
    });

    it('does not resubmit a job that moderation failed upstream', async () => {
      const t = await run({ action: 'imagine', prompt: 'x [sim:banned]' });
      expect(t.error?.code).toBe('content_rejected');
      expect(submits(backup)).toBe(0);
    });
  });

  describe('when an accepted job fails upstream for a provider-side reason', () => {
    it('resubmits the root task once to the backup', async () => {
      primary.state.behaviour.outcome = { kind: 'fail', message: 'Generation process failed', code: 500 };
      const t = await run({ action: 'imagine', prompt: 'x' });
      expect(t).toMatchObject({ status: 'succeeded', provider: 'backup' });
      expect(t.attempts.map((a) => [a.provider, a.outcome, a.error?.class ?? null])).toEqual([
        ['primary', 'accepted', null], ['primary', 'error', 'job_failed'], ['backup', 'accepted', null],
      ]);
    });

    it('fails when the backup fails too (only one resubmission)', async () => {
      primary.state.behaviour.outcome = { kind: 'fail', message: 'Generation process failed', code: 500 };
      backup.state.behaviour.outcome = { kind: 'fail', message: 'Generation process failed', code: 500 };
      const t = await run({ action: 'imagine', prompt: 'x' });
      expect(t.error).toMatchObject({ code: 'upstream_error', provider: 'backup' });
      expect(submits(primary) + submits(backup)).toBe(2);
    });
  });

  describe('a burst during an outage', () => {
    it('succeeds on the backup, lets at most one probe through per open period, and returns after recovery', async () => {
      primary.state.faults.push({ ...LEGNEXT_503, times: 1000 });
      const tasks = await Promise.all(Array.from({ length: 12 }, (_, i) => submit({ action: 'imagine', prompt: `burst ${i}` })));
      const done = await Promise.all(tasks.map((t) => waitForTask(gw.url, KEY, t.id, 15_000)));
      expect(done.every((t) => t.status === 'succeeded' && t.provider === 'backup')).toBe(true);
      expect((await circuit('primary')).circuit).not.toBe('closed');
      // While open, traffic stays off the primary: count what reaches it over two open periods.
      const before = submits(primary);
      const more = await Promise.all(Array.from({ length: 6 }, (_, i) => submit({ action: 'imagine', prompt: `during ${i}` })));
      await Promise.all(more.map((t) => waitForTask(gw.url, KEY, t.id, 15_000)));
      await sleep(1700);
      expect(submits(primary) - before).toBeLessThanOrEqual(2);
      // Recovery: the next probe succeeds, the circuit closes, traffic returns.
      primary.state.faults = [];
      await sleep(900);
      const back = await run({ action: 'imagine', prompt: 'after recovery' });
      const again = await run({ action: 'imagine', prompt: 'after recovery 2' });
      expect([back.provider, again.provider]).toContain('primary');
      expect((await circuit('primary')).circuit).toBe('closed');
    }, 40_000);
  });

  describe('follow-ups', () => {
    it('stay on their provider while it is down and succeed once it is back', async () => {
      const parent = await run({ action: 'imagine', prompt: 'parent' });
      expect(parent.provider).toBe('primary');
      primary.state.faults.push({ ...LEGNEXT_503, times: 3 });
      const t = await run({ action: 'upscale', taskId: parent.id, index: 2 });
      expect(t).toMatchObject({ status: 'succeeded', provider: 'primary' });
      expect(t.attempts.filter((a) => a.outcome === 'error').length).toBe(3);
      expect(submits(backup)).toBe(0);
    });

    it('fail at their deadline naming the provider, never going elsewhere', async () => {
      const parent = await run({ action: 'imagine', prompt: 'parent' });
      primary.state.faults.push({ ...LEGNEXT_503, times: 10_000 });
      const t = await run({ action: 'variation', taskId: parent.id, index: 1 }, 20_000);
      expect(t.error?.code).toBe('timeout');
      expect(t.error?.message).toMatch(/primary/);
      expect(submits(backup)).toBe(0);
    });
  });
});
