/** Slots, the tenant concurrency cap, waiting while every provider is open, and tasks that must end anyway. */
import { afterEach, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, sleep, startGateway, TENANT_A_KEY, waitForTask, type GatewayOptions, type TestGateway } from '../helpers/gateway.js';

const KEY = TENANT_A_KEY;

describe('slots and waiting', () => {
  let sim: Simulator;
  let gw: TestGateway;
  const setup = async (provider: Record<string, unknown>, opts: GatewayOptions = {}) => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, ...provider }], ...opts });
  };
  const submit = async (body: Record<string, unknown>) => (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body })).body;
  afterEach(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('never puts more than maxConcurrency jobs upstream, across a burst of ten', async () => {
    await setup({ maxConcurrency: 3 });
    sim.state.behaviour.jobDurationMs = 150;
    const tasks = [];
    for (let i = 0; i < 10; i++) tasks.push(await submit({ action: 'imagine', prompt: `slot ${i}`, provider: 'legnext-main' }));
    await sleep(100);
    const health = (await api(gw.url, 'GET', '/v1/providers', { key: KEY })).body.data[0].health;
    expect(health.inFlight).toBeLessThanOrEqual(3);
    const queued = await api(gw.url, 'GET', '/v1/tasks?status=queued', { key: KEY });
    expect(queued.body.data.length).toBeGreaterThan(0); // the rest wait, queued, not failed
    const done = await Promise.all(tasks.map((t) => waitForTask(gw.url, KEY, t.id, 20_000)));
    expect(done.every((t) => t.status === 'succeeded')).toBe(true);
    expect(sim.state.maxInFlight).toBeLessThanOrEqual(3);
    expect(sim.state.maxInFlight).toBe(3);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/mjg_slot_waits_total\{scope="provider"\} [1-9]/);
  }, 30_000);

  it('gives the slot back when the submit answer already says the job is done', async () => {
    await setup({ maxConcurrency: 2 });
    sim.state.behaviour.jobDurationMs = 0; // the submit answer is the finished job: queued → succeeded in one step
    const tasks = [];
    for (let i = 0; i < 6; i++) tasks.push(await submit({ action: 'imagine', prompt: `instant ${i}` }));
    const done = await Promise.all(tasks.map((t) => waitForTask(gw.url, KEY, t.id, 10_000)));
    expect(done.map((t) => t.status)).toEqual(tasks.map(() => 'succeeded'));
    const health = (await api(gw.url, 'GET', '/v1/providers', { key: KEY })).body.data[0].health;
    expect(health.inFlight).toBe(0);
  }, 20_000);

  it('starts waiting tasks in the order they arrived', async () => {
    await setup({ maxConcurrency: 1 });
    sim.state.behaviour.jobDurationMs = 60;
    const tasks = [];
    for (let i = 0; i < 5; i++) tasks.push(await submit({ action: 'imagine', prompt: `order ${i}` }));
    await Promise.all(tasks.map((t) => waitForTask(gw.url, KEY, t.id, 20_000)));
    const texts = sim.state.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { text: string }).text);
    expect(texts).toEqual(['order 0', 'order 1', 'order 2', 'order 3', 'order 4']);
  }, 30_000);

  it("holds a tenant to maxConcurrentTasks upstream, whatever the provider's slots", async () => {
    await setup({ maxConcurrency: 50 }, { tenants: [{ id: 'tenant-a', apiKeys: [KEY], maxConcurrentTasks: 2 }] });
    sim.state.behaviour.jobDurationMs = 120;
    const tasks = await Promise.all(Array.from({ length: 6 }, (_, i) => submit({ action: 'imagine', prompt: `cap ${i}` })));
    const done = await Promise.all(tasks.map((t) => waitForTask(gw.url, KEY, t.id, 20_000)));
    expect(done.every((t) => t.status === 'succeeded')).toBe(true);
    expect(sim.state.maxInFlight).toBe(2);
  }, 30_000);

  it('keeps a task queued while every eligible provider is open, then runs it when one recovers', async () => {
    await setup({}, { config: { circuitBreaker: { windowMs: 10_000, minRequests: 3, failureRatio: 0.5, openMs: 500, longOpenMs: 1200, probeTimeoutMs: 2000 } } });
    sim.state.faults.push({ on: 'submit', status: 402, body: { code: 402, message: 'insufficient credits', raw_message: '', detail: null } });
    const first = await waitForTask(gw.url, KEY, (await submit({ action: 'imagine', prompt: 'first' })).id);
    expect(first.error?.code).toBe('no_provider_available');
    const waiting = await submit({ action: 'imagine', prompt: 'waits for recovery' });
    await sleep(400);
    const mid = (await api<Task>(gw.url, 'GET', `/v1/tasks/${waiting.id}`, { key: KEY })).body;
    expect(mid.status).toBe('queued');
    expect(sim.state.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const t = await waitForTask(gw.url, KEY, waiting.id, 10_000);
    expect(t.status).toBe('succeeded');
    expect(Date.parse(t.submittedAt!) - Date.parse(t.createdAt)).toBeGreaterThan(700);
  }, 20_000);
});

describe('every task ends', () => {
  let sim: Simulator;
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
    await sim?.close();
  });
  const start = async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, timeoutMs: 300 }],
      config: { deadlines: { imageMs: 1500, videoMs: 1500 }, workers: { concurrency: 10, lockDurationMs: 2000, stalledIntervalMs: 1000, sweepIntervalMs: 200 } },
    });
  };
  const submit = async () => (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'x' } })).body;

  it.each([
    ['garbage on every poll', { on: 'poll' as const, malformed: true, times: 10_000 }],
    ['silence on every poll', { on: 'poll' as const, hang: true, times: 10_000 }],
    ['500 on every poll', { on: 'poll' as const, status: 500, times: 10_000 }],
  ])('fails with timeout by the deadline on %s', async (_n, fault) => {
    await start();
    sim.state.behaviour.jobDurationMs = 60_000;
    sim.state.faults.push(fault);
    const t = await waitForTask(gw.url, KEY, (await submit()).id, 6000);
    expect(t.error?.code).toBe('timeout');
  }, 15_000);

  it('is ended by the sweeper even when its jobs are gone', async () => {
    await start();
    sim.state.behaviour.outcome = { kind: 'never' };
    const created = await submit();
    const t0 = await waitForTask(gw.url, KEY, created.id, 5000, (t) => t.status !== 'queued');
    // Lose the scheduled read entirely (as if Redis lost it): nothing but the sweeper can end the task now.
    await gw.rt.polls.forget(t0.provider!, created.id, 1);
    const t = await waitForTask(gw.url, KEY, created.id, 6000);
    expect(t0.status).not.toBe('queued');
    expect(t).toMatchObject({ status: 'failed', error: { code: 'timeout', message: expect.stringMatching(/deadline/) } });
  }, 15_000);
});
