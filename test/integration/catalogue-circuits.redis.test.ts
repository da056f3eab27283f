import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAggregatorSimulator } from '../../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, startGateway, TENANT_A_KEY, TENANT_B_KEY, type TestGateway } from '../helpers/gateway.js';
import { taskClient } from '../helpers/tasks.js';

const IMG = 'https://images.example.com/source.png';
const canvas = { width: 1024, height: 1024 };
const imagePosition = { width: 512, height: 512, x: 0, y: 0 };

describe('circuits one tenant cannot trip, and refusals that are about the request', () => {
  let legnext: Simulator;
  let apimart: Simulator;
  let vtrix: Simulator;
  let gw: TestGateway;
  const tasks = taskClient(() => gw);
  const run = (key: string, body: Record<string, unknown>) => tasks.run(body, key);
  const circuitOf = async (id: string) => {
    const res = await api<{ data: Array<{ id: string; health: { circuit: string } }> }>(gw.url, 'GET', '/v1/providers', { key: TENANT_A_KEY });
    return res.body.data.find((p) => p.id === id)!.health.circuit;
  };

  beforeAll(async () => {
    legnext = await startLegnextSimulator({ apiKey: 'lk' });
    apimart = await startApimartSimulator({ apiKey: 'ak' });
    vtrix = await startAggregatorSimulator({ apiKey: 'vk' });
    for (const sim of [legnext, apimart, vtrix]) sim.state.behaviour.jobDurationMs = 50;
    gw = await startGateway({
      providers: [
        { id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${legnext.url}/api`, priority: 1 },
        { id: 'vtrix', type: 'aggregator', apiKey: 'vk', baseUrl: vtrix.url, priority: 2 },
        { id: 'apimart', type: 'apimart', apiKey: 'ak', baseUrl: apimart.url, priority: 3 },
      ],
      config: { circuitBreaker: { minRequests: 3, failureRatio: 0.5, openMs: 30_000 } },
    });
  });
  afterEach(() => {
    for (const sim of [legnext, apimart, vtrix]) {
      sim.state.faults = [];
      sim.state.behaviour.jobDurationMs = 50;
    }
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([legnext, apimart, vtrix].map((s) => s?.close()));
  });

  it('fails follow-ups of parents APIMart forgot as parent_expired, and keeps its circuit closed', async () => {
    const parents = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => run(TENANT_A_KEY, { action: 'imagine', prompt: `old ${n}`, provider: 'apimart' })));
    for (const p of parents) apimart.state.jobs.get(p.upstreamId!)!.outcome = { kind: 'vanish' };
    const stale = await Promise.all(parents.map((p) => run(TENANT_A_KEY, { action: 'variation', taskId: p.id, index: 1 })));
    for (const t of stale) expect(t).toMatchObject({ status: 'failed', error: { code: 'parent_expired' } });
    expect(await circuitOf('apimart')).toBe('closed');

    const fresh = await run(TENANT_B_KEY, { action: 'imagine', prompt: 'new', provider: 'apimart' });
    const started = Date.now();
    const follow = await run(TENANT_B_KEY, { action: 'variation', taskId: fresh.id, index: 2 });
    expect(follow.status).toBe('succeeded');
    // Generous: an open circuit would hold it for the 30 s openMs.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('fails a follow-up whose parent Legnext says it no longer knows as parent_expired', async () => {
    const parent = await run(TENANT_A_KEY, { action: 'imagine', prompt: 'gone soon', provider: 'legnext-main' });
    legnext.state.jobs.delete(parent.upstreamId!);
    const t = await run(TENANT_A_KEY, { action: 'upscale', taskId: parent.id, index: 1 });
    expect(t).toMatchObject({ status: 'failed', error: { code: 'parent_expired' } });
  });

  it('fails a task Legnext refuses with 403 "permission denied", without opening its circuit', async () => {
    legnext.state.faults = [{ on: 'submit', status: 403, body: { code: 403, message: 'permission denied: this model needs the Pro plan' }, times: 4 }];
    const tasks = await Promise.all([1, 2, 3, 4].map((n) => run(TENANT_A_KEY, { action: 'imagine', prompt: `plan ${n} --v 8`, provider: 'legnext-main' })));
    for (const t of tasks) expect(t).toMatchObject({ status: 'failed', error: { code: 'invalid_request' } });
    expect(await circuitOf('legnext-main')).toBe('closed');
  });

  it('fails a task Legnext refuses with 403 "sensitive content" as content_rejected', async () => {
    legnext.state.faults = [{ on: 'submit', status: 403, body: { code: 403, message: 'Sensitive content detected' } }];
    const t = await run(TENANT_A_KEY, { action: 'imagine', prompt: 'a scene', provider: 'legnext-main' });
    expect(t).toMatchObject({ status: 'failed', error: { code: 'content_rejected' } });
    expect(await circuitOf('legnext-main')).toBe('closed');
  });

  it("charges APIMart's pre-step upscale with the pan it was made for", async () => {
    const parent = await run(TENANT_A_KEY, { action: 'imagine', prompt: 'a coast', provider: 'apimart', speed: 'fast' });
    const pan = await run(TENANT_A_KEY, { action: 'pan', taskId: parent.id, index: 2, direction: 'left', speed: 'fast' });
    // The simulator bills an upscale $0.01 and a pan $0.05 at fast.
    expect(pan).toMatchObject({ status: 'succeeded', cost: { amountUsd: 0.06, reported: true } });
  });

  it('moves an edit on from a paused Legnext endpoint to the next provider that has it', async () => {
    legnext.state.faults = [{ on: 'submit', status: 400, body: { code: 400, message: 'This endpoint is temporarily paused' } }];
    const t = await run(TENANT_A_KEY, { action: 'edit', imageUrl: IMG, prompt: 'a door', canvas, imagePosition, mask: { url: IMG } });
    expect(t).toMatchObject({ status: 'succeeded', provider: 'vtrix' });
    expect(t.attempts.map((a) => [a.provider, a.error?.class ?? null])).toEqual([['legnext-main', 'action_not_supported'], ['vtrix', null]]);
    expect(await circuitOf('legnext-main')).toBe('closed');
  });
});
