/** Answer code 22: a submit that will wait for a provider slot says so, with the tasks ahead of it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { startGateway, TENANT_A_KEY, type TestGateway } from '../helpers/gateway.js';
import { fetchUntil, mj, secretClient, type Client } from './helpers.js';

describe('when every provider slot is taken', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let a: Client;

  beforeAll(async () => {
    sim = await startApimartSimulator({ apiKey: 'k' });
    gw = await startGateway({ providers: [{ id: 'apimart', type: 'apimart', apiKey: 'k', baseUrl: sim.url, maxConcurrency: 1 }] });
    a = secretClient(gw.url, TENANT_A_KEY);
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('answers code 22 with numberOfQueues; a task still in line can be canceled', async () => {
    const first = await mj(a, 'POST', '/mj/submit/imagine', { prompt: 'holds the slot [sim:never]' });
    expect(first.body.code).toBe(1);
    await fetchUntil(a, first.body.result, (vo) => vo.status === 'SUBMITTED' || vo.status === 'IN_PROGRESS');

    const second = await mj(a, 'POST', '/mj/submit/imagine', { prompt: 'waits' });
    expect(second.body).toMatchObject({ code: 22, properties: { numberOfQueues: 0 }, result: expect.stringMatching(/^tsk_/) });
    // Once the second is in line, a third has one task ahead of it.
    const end = Date.now() + 10_000;
    while (Date.now() < end && !(await gw.rt.room.position(second.body.result))) await new Promise((r) => setTimeout(r, 20));
    const third = await mj(a, 'POST', '/mj/submit/imagine', { prompt: 'waits too' });
    expect(third.body).toMatchObject({ code: 22, properties: { numberOfQueues: 1 } });
    expect((await mj(a, 'GET', `/mj/task/${third.body.result}/fetch`)).body.status).toBe('NOT_START');

    const canceled = await mj(a, 'POST', `/mj/task/${third.body.result}/cancel`);
    expect(canceled.body).toMatchObject({ code: 1, result: third.body.result });
    expect((await mj(a, 'GET', `/mj/task/${third.body.result}/fetch`)).body.status).toBe('CANCEL');
    // The slot holder is canceled too, but its job runs on upstream: the slot stays held and the second waits on.
    expect((await mj(a, 'POST', `/mj/task/${first.body.result}/cancel`)).body).toMatchObject({ code: 1, result: first.body.result });
    expect((await mj(a, 'GET', `/mj/task/${first.body.result}/fetch`)).body.status).toBe('CANCEL');
    await new Promise((r) => setTimeout(r, 300));
    expect((await mj(a, 'GET', `/mj/task/${second.body.result}/fetch`)).body.status).toBe('NOT_START');
  });
});
