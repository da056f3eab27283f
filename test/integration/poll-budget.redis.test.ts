/** The per-provider poll budget holds across workers, and every task still finishes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { startWorkers, type Workers } from '../../src/worker.js';
import { api, sleep, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

describe('the poll budget', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let second: Workers;
  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 5000;
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, maxConcurrency: 100, pollsPerSecond: 10 }] });
    second = await startWorkers(gw.rt); // two sets of workers share one budget
  });
  afterAll(async () => {
    await second?.close();
    await gw?.close();
    await sim?.close();
  });

  it('keeps upstream polls at pollsPerSecond while 30 jobs run, and still brings every task to succeeded', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: `budget ${i}` } })).body.id);
    await sleep(1200);
    const from = Date.now();
    await sleep(3000);
    const to = Date.now();
    const times = sim.state.requests.filter((r) => r.method === 'GET' && r.at >= from && r.at < to).map((r) => r.at);
    // Unthrottled, 30 tasks polled every 25-100 ms would make hundreds of reads a second: count the busiest second.
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBeLessThanOrEqual(10);
    // …and the budget is used: grants are counted over 1.15–1.2 s, so any 3 s hold at least two seconds' worth.
    expect(times.length).toBeGreaterThanOrEqual(20);
    const done = await Promise.all(ids.map((id) => waitForTask(gw.url, TENANT_A_KEY, id, 20_000)));
    expect(done.every((t) => t.status === 'succeeded')).toBe(true);
  }, 40_000);
});
