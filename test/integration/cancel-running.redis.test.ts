/**
 * Cancel of a task its provider is already running: the client sees `canceled` at once (one final webhook, the
 * canceled cost in usage, the tenant's slot free), while the provider slot stays held until the simulator's job ends.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAggregatorSimulator } from '../../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { allSlots } from '../../src/services/admission.js';
import { sweep } from '../../src/jobs/sweeper.js';
import { api, sleep, startGateway, TENANT_A_KEY, TENANT_B_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { fetchUntil, mj, secretClient } from '../mjproxy/helpers.js';

const JOB_MS = 1_500;
const upstream = (t: { status: string }) => t.status === 'submitted' || t.status === 'running';

describe('canceling a task the provider is running', () => {
  const sims: Record<string, Simulator> = {};
  let gw: TestGateway;
  let hooks: Receiver;

  beforeAll(async () => {
    sims.legnext = await startLegnextSimulator({ apiKey: 'lk' });
    sims.apimart = await startApimartSimulator({ apiKey: 'ak' });
    sims.vtrix = await startAggregatorSimulator({ apiKey: 'vk' });
    for (const sim of Object.values(sims)) sim.state.behaviour.jobDurationMs = JOB_MS;
    hooks = await startReceiver();
    gw = await startGateway({
      providers: [
        // Two accounts on one simulator, one slot each: a job that holds one shows in what the other tenant can run.
        { id: 'legnext-a', type: 'legnext', apiKey: 'lk', baseUrl: `${sims.legnext.url}/api`, maxConcurrency: 1 },
        { id: 'legnext-b', type: 'legnext', apiKey: 'lk', baseUrl: `${sims.legnext.url}/api`, maxConcurrency: 1 },
        { id: 'apimart', type: 'apimart', apiKey: 'ak', baseUrl: sims.apimart.url, maxConcurrency: 1 },
        { id: 'vtrix', type: 'aggregator', apiKey: 'vk', baseUrl: sims.vtrix.url, maxConcurrency: 1 },
      ],
      tenants: [
        { id: 'tenant-a', apiKeys: [TENANT_A_KEY], maxConcurrentTasks: 1 },
        { id: 'tenant-b', apiKeys: [TENANT_B_KEY] },
      ],
    });
  });
  afterAll(async () => {
    await gw?.close();
    await hooks?.close();
    for (const sim of Object.values(sims)) await sim.close();
  });

  const submit = async (body: Record<string, unknown>, key = TENANT_A_KEY) => {
    const res = await api(gw.url, 'POST', '/v1/tasks', { key, body });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.id as string;
  };
  const holdsProviderSlot = async (pid: string, id: string) => (await gw.redis.zscore(gw.keys.providerSlots(pid), id)) !== null;
  const holdsTenantSlot = async (id: string) => (await gw.redis.zscore(gw.keys.tenantSlots('tenant-a'), id)) !== null;
  /** When the simulator's job of that upstream id is done, by its own clock. */
  const jobEnd = (sim: Simulator, upstreamId: string) => {
    const job = sim.state.jobs.get(upstreamId);
    expect(job, `no simulator job ${upstreamId}`).toBeDefined();
    return job!.createdAt + job!.durationMs;
  };
  /** Waits until the provider slot is free; answers when that was seen. */
  const slotFreed = async (pid: string, id: string, timeoutMs = 10_000) => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!(await holdsProviderSlot(pid, id))) return Date.now();
      await sleep(10);
    }
    throw new Error(`the ${pid} slot of ${id} was never freed`);
  };

  it('ends the task at once and keeps the provider slot until the upstream job ends', async () => {
    const id = await submit({ action: 'imagine', prompt: 'cancel me mid-run', provider: 'legnext-a', callbackUrl: `${hooks.url}/mid-run` });
    const running = await waitForTask(gw.url, TENANT_A_KEY, id, 10_000, upstream);

    const res = await api(gw.url, 'POST', `/v1/tasks/${id}/cancel`, { key: TENANT_A_KEY });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'canceled', provider: 'legnext-a', error: { code: 'canceled', provider: 'legnext-a' }, cost: { reported: false } });
    expect(res.body.cost.amountUsd).toBeGreaterThan(0);
    expect(res.body.finishedAt).not.toBeNull();
    const end = jobEnd(sims.legnext!, running.upstreamId!);
    expect(Date.now()).toBeLessThan(end);
    expect((await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_A_KEY })).body.status).toBe('canceled');

    // The tenant's slot is free at once; the provider's is not.
    expect(await holdsTenantSlot(id)).toBe(false);
    expect(await holdsProviderSlot('legnext-a', id)).toBe(true);
    // The sweep's reclaim leaves a draining slot alone before its deadline.
    await sweep(gw.rt);
    expect(await holdsProviderSlot('legnext-a', id)).toBe(true);

    // Tenant A (one slot) runs its next task at once, elsewhere; tenant B's task for the busy account waits.
    const next = await submit({ action: 'imagine', prompt: 'next one', provider: 'legnext-b' });
    const waiting = await submit({ action: 'imagine', prompt: 'waits for the slot', provider: 'legnext-a' }, TENANT_B_KEY);
    await waitForTask(gw.url, TENANT_A_KEY, next, 3_000, upstream);
    expect((await api(gw.url, 'GET', `/v1/tasks/${waiting}`, { key: TENANT_B_KEY })).body.status).toBe('queued');

    const freedAt = await slotFreed('legnext-a', id);
    expect(freedAt).toBeGreaterThanOrEqual(end);
    await waitForTask(gw.url, TENANT_B_KEY, waiting, 10_000, (t) => t.status !== 'queued');
    expect(await gw.redis.zscore(gw.keys.draining, id)).toBeNull();

    // The upstream success changed nothing, and only one webhook (the cancel) went out.
    await sleep(300);
    const after = (await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_A_KEY })).body;
    expect(after).toMatchObject({ status: 'canceled', output: null, updatedAt: res.body.updatedAt });
    const sent = hooks.received.filter((h) => h.path === '/mid-run');
    expect(sent.map((h) => h.headers['x-mjg-event'])).toContain('canceled');
    expect(sent.filter((h) => h.headers['x-mjg-event'] !== 'running').map((h) => h.headers['x-mjg-event'])).toEqual(['canceled']);
    expect(sent.every((h) => JSON.parse(h.body).status !== 'succeeded')).toBe(true);
  });

  it('wakes a Prefer: wait read and ends an event stream with the canceled task', async () => {
    const id = await submit({ action: 'imagine', prompt: 'watched while canceled', provider: 'legnext-b' }, TENANT_B_KEY);
    await waitForTask(gw.url, TENANT_B_KEY, id, 10_000, upstream);
    const headers = { authorization: `Bearer ${TENANT_B_KEY}` };
    const stream = request(`${gw.url}/v1/tasks/${id}/events`, { headers }).then((r) => r.body.text());
    const started = Date.now();
    const waited = api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_B_KEY, headers: { prefer: 'wait=30' } });
    await sleep(100);
    await api(gw.url, 'POST', `/v1/tasks/${id}/cancel`, { key: TENANT_B_KEY });
    const answer = await waited;
    expect(answer.body.status).toBe('canceled');
    // Woken by the cancel, not by the end of its 30 s wait (nor by the upstream job, which runs on).
    expect(Date.now() - started).toBeLessThan(15_000);
    const events = (await stream).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    expect(events.at(-1)).toMatchObject({ id, status: 'canceled' });
    expect(events.some((e) => e.status === 'succeeded')).toBe(false);
    await slotFreed('legnext-b', id);
  });

  it('keeps following the job when the cancel lands while one of its reads is in flight', async () => {
    const id = await submit({ action: 'imagine', prompt: 'read in flight', provider: 'legnext-b' }, TENANT_B_KEY);
    const running = await waitForTask(gw.url, TENANT_B_KEY, id, 10_000, upstream);
    const sim = sims.legnext!;
    sim.state.behaviour.latencyMs = 400;
    try {
      // A read of the job has reached the simulator, which holds its answer 400 ms: the cancel lands during it.
      const seen = sim.state.requests.length;
      const isRead = (r: { method: string; path: string }) => r.method === 'GET' && r.path.endsWith(running.upstreamId!);
      while (!sim.state.requests.slice(seen).some(isRead)) await sleep(5);
      const res = await api(gw.url, 'POST', `/v1/tasks/${id}/cancel`, { key: TENANT_B_KEY });
      expect(res.body.status).toBe('canceled');
      expect(await slotFreed('legnext-b', id)).toBeGreaterThanOrEqual(jobEnd(sim, running.upstreamId!));
    } finally {
      sim.state.behaviour.latencyMs = 0;
    }
  });

  it('records the cost the provider still charges as canceled cost in usage', async () => {
    const usage = (await api(gw.url, 'GET', '/v1/usage', { key: TENANT_A_KEY })).body;
    expect(usage.byProvider['legnext-a'].canceled).toBe(1);
    expect(usage.byProvider['legnext-a'].canceledCostUsd).toBeGreaterThan(0);
    expect(usage.byProvider['legnext-a'].costUsd).toBe(usage.byProvider['legnext-a'].canceledCostUsd);
    expect(usage.totals.canceledCostUsd).toBe(usage.byProvider['legnext-a'].canceledCostUsd);
    expect(usage.totals.costUsd).toBeGreaterThanOrEqual(usage.totals.canceledCostUsd);
    expect(usage.budget.spentUsd).toBeGreaterThanOrEqual(usage.totals.canceledCostUsd);
  });

  it('still answers 409 for a task that already succeeded', async () => {
    const id = await submit({ action: 'imagine', prompt: 'done first', provider: 'legnext-b' });
    await waitForTask(gw.url, TENANT_A_KEY, id, 10_000);
    const res = await api(gw.url, 'POST', `/v1/tasks/${id}/cancel`, { key: TENANT_A_KEY });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_cancelable');
  });

  it.each(['apimart', 'vtrix'])('cancels a running task on %s and frees its slot when the job ends', async (pid) => {
    const id = await submit({ action: 'imagine', prompt: `cancel on ${pid}`, provider: pid }, TENANT_B_KEY);
    const running = await waitForTask(gw.url, TENANT_B_KEY, id, 10_000, upstream);
    const res = await api(gw.url, 'POST', `/v1/tasks/${id}/cancel`, { key: TENANT_B_KEY });
    expect(res.body).toMatchObject({ status: 'canceled', provider: pid });
    const end = jobEnd(sims[pid]!, running.upstreamId!);
    expect(await holdsProviderSlot(pid, id)).toBe(Date.now() < end);
    expect(await slotFreed(pid, id)).toBeGreaterThanOrEqual(end);
    await sleep(200);
    expect((await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_B_KEY })).body).toMatchObject({ status: 'canceled', output: null, updatedAt: res.body.updatedAt });
  });

  it('cancels through the midjourney-proxy ingress, whose VO shows CANCEL', async () => {
    const client = secretClient(gw.url, TENANT_B_KEY);
    const sub = await mj(client, 'POST', '/mj/submit/imagine', { prompt: 'mj cancel mid-run' });
    const id = sub.body.result as string;
    await fetchUntil(client, id, (vo) => vo.status === 'SUBMITTED' || vo.status === 'IN_PROGRESS');
    const res = await mj(client, 'POST', `/mj/task/${id}/cancel`);
    expect(res.body).toMatchObject({ code: 1, result: id });
    expect((await mj(client, 'GET', `/mj/task/${id}/fetch`)).body.status).toBe('CANCEL');
    const task = (await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_B_KEY })).body;
    await slotFreed(task.provider, id);
  });

  it('frees a draining slot at the deadline when the job never ends', async () => {
    const id = await submit({ action: 'imagine', prompt: 'never ends [sim:never]', provider: 'legnext-b' }, TENANT_B_KEY);
    await waitForTask(gw.url, TENANT_B_KEY, id, 10_000, upstream);
    await api(gw.url, 'POST', `/v1/tasks/${id}/cancel`, { key: TENANT_B_KEY });
    const deadline = Number(await gw.redis.zscore(gw.keys.draining, id));
    expect(deadline).toBeGreaterThan(Date.now());
    expect(await gw.rt.room.reclaim(allSlots(gw.rt), ['tenant-a', 'tenant-b'], deadline - 1)).toBe(0);
    expect(await holdsProviderSlot('legnext-b', id)).toBe(true);
    expect(await gw.rt.room.reclaim(allSlots(gw.rt), ['tenant-a', 'tenant-b'], deadline + 1)).toBe(1);
    expect(await holdsProviderSlot('legnext-b', id)).toBe(false);
    expect(await gw.redis.zscore(gw.keys.draining, id)).toBeNull();
  });
});
