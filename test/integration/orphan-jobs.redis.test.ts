/**
 * Orphan upstream jobs: a simulator accepts a submit but its answer is lost (the job exists upstream), the gateway
 * sends the task again to the same provider, and the provider later calls back for the first job. That job shows in
 * `/metrics`, in the tenant's usage (count and estimated price, not charged) and in the admin list, once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, freePort, sleep, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

const ADMIN = 'admin-token-0123456789abcdef';

describe('orphan upstream jobs', () => {
  let sim: Simulator;
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
    await sim?.close();
  });

  const start = async (jobDurationMs: number) => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = jobDurationMs;
    const port = await freePort();
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, timeoutMs: 400 }],
      config: { port, publicUrl: `http://127.0.0.1:${port}`, adminToken: ADMIN },
    });
  };
  const orphans = async () => (await api<{ kept: number; data: Array<Record<string, unknown>> }>(gw.url, 'GET', '/admin/orphans', { headers: { authorization: `Bearer ${ADMIN}` } })).body;
  /** Waits until the simulator has called back for every job it ran. */
  const callbacksSent = async () => {
    for (let i = 0; i < 200 && [...sim.state.jobs.values()].some((j) => !j.callbackSent); i++) await sleep(25);
    await sleep(300);
  };

  it.each([
    { when: 'after the retry was accepted', jobDurationMs: 1500 },
    { when: 'while the lost submit still counted as in flight', jobDurationMs: 50 },
  ])('counts the lost submit\'s job once in metrics, usage and the admin list when its callback comes $when', async ({ jobDurationMs }) => {
    await start(jobDurationMs);
    // The first submit creates the job upstream, then its answer never comes (the gateway gives up after 400 ms).
    sim.state.faults.push({ on: 'submit', acceptFirst: true, hang: true, times: 1 });
    const submitted = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'a lost answer' } });
    const task = await waitForTask(gw.url, TENANT_A_KEY, submitted.body.id, 20_000);
    expect(task.status).toBe('succeeded');
    expect(task.attempts.map((a) => [a.provider, a.outcome])).toEqual([['legnext-main', 'ambiguous'], ['legnext-main', 'accepted']]);
    const jobs = [...sim.state.jobs.values()];
    expect(jobs).toHaveLength(2);
    const lost = jobs.find((j) => j.id !== task.upstreamId)!;
    await callbacksSent();

    const list = await orphans();
    expect(list.kept).toBe(1);
    expect(list.data[0]).toMatchObject({
      provider: 'legnext-main', upstreamId: lost.id, via: 'callback', taskId: task.id, tenantId: 'tenant-a', action: 'imagine', estimatedCostUsd: 0.08,
    });
    expect(list.data[0]!.id).toMatch(/^orp_/);

    // The provider calls back for it again: still one.
    const again = await fetch(lost.callback!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { job_id: lost.id, status: 'completed' } }) });
    expect(again.status).toBe(202);
    expect((await orphans()).kept).toBe(1);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/mjg_orphan_upstream_jobs_total\{provider="legnext-main",tenant="tenant-a"\} 1\n/);
    const usage = (await api(gw.url, 'GET', '/v1/usage', { key: TENANT_A_KEY })).body;
    expect(usage.byProvider['legnext-main']).toMatchObject({ succeeded: 1, costUsd: 0.08, orphanJobs: 1, orphanCostUsd: 0.08 });
    expect(usage.totals).toMatchObject({ succeeded: 1, costUsd: 0.08, orphanJobs: 1, orphanCostUsd: 0.08 });
    const admin = (await api(gw.url, 'GET', '/admin/tenants/tenant-a/usage', { headers: { authorization: `Bearer ${ADMIN}` } })).body;
    expect(admin.byProvider['legnext-main']).toMatchObject({ orphanJobs: 1, orphanCostUsd: 0.08 });
  }, 40_000);

  it('counts nothing when every submit answered: callbacks for the tasks\' own jobs are no orphans', async () => {
    await start(100);
    const ids = await Promise.all(Array.from({ length: 5 }, async (_, i) => (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: `fine ${i}` } })).body.id));
    for (const id of ids) expect((await waitForTask(gw.url, TENANT_A_KEY, id, 15_000)).status).toBe('succeeded');
    await callbacksSent();
    expect([...sim.state.jobs.values()].every((j) => j.callbackSent)).toBe(true);
    expect((await orphans()).kept).toBe(0);
    expect((await api(gw.url, 'GET', '/v1/usage', { key: TENANT_A_KEY })).body.totals).toMatchObject({ succeeded: 5, orphanJobs: 0, orphanCostUsd: 0 });
  }, 30_000);
});

describe('orphan upstream jobs after a worker died mid-submit', () => {
  let sim: Simulator;
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('records the job a callback named for the dead worker\'s submit once the next worker takes the task over', async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    const port = await freePort();
    gw = await startGateway({
      workers: false,
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
      config: { port, publicUrl: `http://127.0.0.1:${port}`, adminToken: ADMIN },
    });
    const task = (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'a dead worker' } })).body;
    // What a worker leaves when it dies after sending the submit (with its callback URL) and before the answer.
    const token = 'dead-worker-token-0123456789';
    await gw.rt.tasks.saveCallback(token, 'legnext-main', task.id, 3600);
    await gw.rt.tasks.update(task.id, (r) => ({ ...r, priv: { ...r.priv, phase: 'submitting', submittingTo: 'legnext-main', callbackToken: token } }));
    // The provider made that job and calls back for it while the task still counts it as in flight: not judged yet.
    const cb = await api(gw.url, 'POST', `/v1/callbacks/legnext-main/${token}`, { body: { timestamp: 1, data: { job_id: 'job-of-dead-worker', status: 'completed' } } });
    expect(cb.status).toBe(202);
    const list = async () => (await api<{ kept: number; data: Array<Record<string, unknown>> }>(gw.url, 'GET', '/admin/orphans', { headers: { authorization: `Bearer ${ADMIN}` } })).body;
    expect((await list()).kept).toBe(0);

    await gw.startWorkers();
    const done = await waitForTask(gw.url, TENANT_A_KEY, task.id, 15_000);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a) => a.outcome)).toEqual(['ambiguous', 'accepted']);
    const after = await list();
    expect(after.kept).toBe(1);
    expect(after.data[0]).toMatchObject({ provider: 'legnext-main', upstreamId: 'job-of-dead-worker', taskId: task.id, tenantId: 'tenant-a' });
  }, 30_000);
});
