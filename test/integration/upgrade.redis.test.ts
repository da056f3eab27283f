/** Tasks in flight across an upgrade from the version that kept one BullMQ poll job per upstream job. */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, startGateway, TENANT_A_KEY, TEST_REDIS_URL, waitForTask, type TestGateway } from '../helpers/gateway.js';

describe('upgrading with tasks in flight', () => {
  let sim: Simulator;
  let gw: TestGateway;
  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.outcome = { kind: 'never' };
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }] });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('moves poll jobs of the earlier version into the read schedule, and the task still finishes', async () => {
    const { body } = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'in flight across an upgrade' } });
    const accepted = await waitForTask(gw.url, TENANT_A_KEY, body.id, 5000, (t) => t.upstreamId !== null);
    // The old version's state: no schedule entry, one delayed job in the `polls` queue.
    await gw.workers!.close();
    await gw.rt.polls.forget('legnext-main', body.id, 1);
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const old = new Queue('polls', { connection, prefix: gw.rt.keys.queuePrefix });
    await old.add('poll', { taskId: body.id, generation: 1 }, { jobId: `${body.id}-p1`, delay: 200 });
    expect(await gw.rt.polls.dueAt('legnext-main', body.id, 1)).toBeNull();
    sim.state.finish(accepted.upstreamId!);

    await gw.startWorkers();
    const done = await waitForTask(gw.url, TENANT_A_KEY, body.id, 8000);
    expect(done.status).toBe('succeeded');
    expect(await old.getJob(`${body.id}-p1`)).toBeUndefined();
    expect(await connection.exists(`${gw.rt.keys.queuePrefix}:polls:meta`)).toBe(0);
    await old.close();
    await connection.quit();
  }, 20_000);
});
