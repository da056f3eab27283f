import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { estimate, ESTIMATE_CAP } from '../../src/services/progress.js';
import { api, sleep, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

describe('progress when the provider reports none (Legnext)', () => {
  let sim: Simulator;
  let gw: TestGateway;
  const submit = () => api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'estimated' } });

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }] });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('estimates from the mean run time, moves, stays below 100 and says so; the final 100 is not an estimate', async () => {
    sim.state.behaviour.jobDurationMs = 1000;
    // Jobs report running from the start (no pending phase), so the estimate starts near 0.
    sim.state.behaviour.pendingShare = 0;
    const first = await submit();
    const firstDone = await waitForTask(gw.url, TENANT_A_KEY, first.body.id, 20_000);
    expect(firstDone.status).toBe('succeeded');
    // No mean was known while the first one ran: no estimate, no flag.
    expect(firstDone).not.toHaveProperty('progressEstimated');

    sim.state.behaviour.jobDurationMs = 4000;
    const second = await submit();
    const seen: Array<{ progress: number; progressEstimated?: boolean; status: string }> = [];
    const end = Date.now() + 20_000;
    for (;;) {
      const t = (await api(gw.url, 'GET', `/v1/tasks/${second.body.id}`, { key: TENANT_A_KEY })).body;
      seen.push(t);
      if (t.status === 'succeeded' || Date.now() > end) break;
      await sleep(100);
    }
    const estimated = seen.filter((t) => t.progressEstimated === true);
    expect(estimated.length).toBeGreaterThan(1);
    expect(estimated.every((t) => t.status === 'running' && t.progress <= ESTIMATE_CAP)).toBe(true);
    // It moves: a job four times longer than the mean reaches the cap while it runs.
    expect(Math.max(...estimated.map((t) => t.progress))).toBe(ESTIMATE_CAP);
    expect(Math.min(...estimated.map((t) => t.progress))).toBeLessThan(ESTIMATE_CAP);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ status: 'succeeded', progress: 100 });
    expect(last).not.toHaveProperty('progressEstimated');
  });

  it('scales elapsed time by the mean and caps it', () => {
    expect(estimate(500, 1000)).toBe(50);
    expect(estimate(5000, 1000)).toBe(ESTIMATE_CAP);
    expect(estimate(-5, 1000)).toBe(0);
  });
});
