/** The operator views (`/admin/providers`, `/admin/queues`, `/admin/tenants/{id}/usage`) on real HTTP, Redis and workers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, startGateway, TENANT_A_KEY, type TestGateway } from '../helpers/gateway.js';

const ADMIN = 'admin-token-0123456789abcdef';

describe('the admin operator views', () => {
  let sim: Simulator;
  let gw: TestGateway;
  const admin = (path: string) => api(gw.url, 'GET', path, { key: ADMIN });

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    gw = await startGateway({
      config: { adminToken: ADMIN, deadlines: { imageMs: 60_000, videoMs: 60_000 } },
      providers: [
        { id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, maxConcurrency: 1 },
        { id: 'legnext-spare', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, priority: 2, actions: ['describe'] },
      ],
    });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('answers 401 without the admin token and 403 for a tenant key', async () => {
    for (const path of ['/admin/providers', '/admin/queues', '/admin/tenants/tenant-a/usage']) {
      expect((await api(gw.url, 'GET', path)).status).toBe(401);
      expect((await api(gw.url, 'GET', path, { key: TENANT_A_KEY })).status).toBe(403);
    }
  });

  it('shows slots in use, the waiting room with its oldest task, and usage per tenant', async () => {
    // One slot: the first task holds it (it never ends upstream), the next two wait in line.
    for (let i = 0; i < 3; i++) {
      const res = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: `a lantern ${i} [sim:never]` } });
      expect(res.status).toBe(202);
    }
    await expect.poll(async () => (await admin('/admin/queues')).body.waitingRoom, { timeout: 15_000, interval: 100 })
      .toEqual([expect.objectContaining({ provider: 'legnext-main', tenant: 'tenant-a', waiting: 2 })]);
    const queues = (await admin('/admin/queues')).body;
    expect(queues.queues.map((q: { name: string }) => q.name).sort()).toEqual(['maintenance', 'submissions', 'webhooks']);
    expect(queues.oldestWaitingSeconds).toBeGreaterThanOrEqual(0);
    expect(queues.reads.due + queues.reads.scheduled + queues.reads.running).toBe(1);

    const providers = (await admin('/admin/providers')).body.data;
    expect(providers.map((p: { id: string }) => p.id)).toEqual(['legnext-main', 'legnext-spare']);
    expect(providers[0]).toMatchObject({ inFlight: 1, maxConcurrency: 1, waiting: 2, circuit: { state: 'closed', openUntil: null } });
    expect(providers[0].recent).toMatchObject({ windowSeconds: 60, submits: 1, failures: 0, errorRate: 0 });
    expect(providers[1].recent).toMatchObject({ submits: 0, errorRate: null });

    const usage = await admin('/admin/tenants/tenant-a/usage');
    expect(usage.status).toBe(200);
    expect(usage.body.totals.submitted).toBe(3);
    expect((await admin('/admin/tenants/nobody/usage')).status).toBe(404);
    expect((await admin('/admin/tenants/tenant-a/usage?from=2026-02-01&to=2026-01-01')).status).toBe(400);
  });

  it('shows an open circuit with its reason and the recent error rate', async () => {
    await gw.rt.circuits.record('legnext-spare', 'ok');
    await gw.rt.circuits.record('legnext-spare', 'unavailable');
    expect((await admin('/admin/providers')).body.data[1].recent).toMatchObject({ submits: 2, failures: 1, errorRate: 0.5 });
    for (let i = 0; i < 5; i++) await gw.rt.circuits.record('legnext-spare', 'unavailable');
    const spare = (await admin('/admin/providers')).body.data[1];
    expect(spare.circuit).toMatchObject({ state: 'open', reason: 'unavailable' });
    expect(Date.parse(spare.circuit.openUntil)).toBeGreaterThan(Date.now());
  });
});
