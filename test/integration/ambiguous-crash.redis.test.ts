/**
 * A submit whose answer was lost with its worker: the retry goes to the provider that had it in flight (the job may
 * exist there; elsewhere it would be a paid duplicate), and the attempt log names that provider.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

describe('when a worker died during a submit', () => {
  const sims: Simulator[] = [];
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
    for (const s of sims.splice(0)) await s.close();
  });

  it('retries on the provider that had the submit in flight, not the preferred one', async () => {
    for (let i = 0; i < 2; i++) sims.push(await startLegnextSimulator({ apiKey: 'lk' }));
    gw = await startGateway({
      workers: false,
      providers: [
        { id: 'first', type: 'legnext', apiKey: 'lk', baseUrl: `${sims[0]!.url}/api`, priority: 1 },
        { id: 'second', type: 'legnext', apiKey: 'lk', baseUrl: `${sims[1]!.url}/api`, priority: 2 },
      ],
    });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const task = (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: `lost answer ${i}` } })).body;
      // What a worker leaves when it dies between sending the submit to `second` and reading its answer.
      await gw.rt.tasks.update(task.id, (r) => ({ ...r, priv: { ...r.priv, phase: 'submitting', submittingTo: 'second' } }));
      ids.push(task.id);
    }
    await gw.startWorkers();
    for (const id of ids) {
      const done = await waitForTask(gw.url, TENANT_A_KEY, id, 15_000);
      expect(done.status).toBe('succeeded');
      expect(done.provider).toBe('second');
      expect(done.attempts.map((a) => [a.provider, a.outcome])).toEqual([['second', 'ambiguous'], ['second', 'accepted']]);
    }
    expect(sims[0]!.state.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/mjg_ambiguous_submits_total\{provider="second",cause="worker_crash"\} 4/);
  }, 30_000);
});
