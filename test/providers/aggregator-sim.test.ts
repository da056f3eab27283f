/** The aggregator adapter against its simulator over real HTTP. */
import { createServer, type Server } from 'node:http';
import { expectClass } from '../helpers/provider-errors.js';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAggregatorAdapter } from '../../providers/aggregator/index.js';
import { aggregatorSnapshot, readTask } from '../../providers/aggregator/job.js';
import { startAggregatorSimulator } from '../../providers/aggregator/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { CanonicalRequest, JobSnapshot, ProviderAdapter, UpstreamState } from '../../providers/types.js';

describe('aggregator adapter against the simulator', () => {
  let sim: Simulator;
  let adapter: ProviderAdapter;
  const dispatcher = new Agent();
  const imagine: CanonicalRequest = { action: 'imagine', prompt: 'a red fox' };
  const make = (apiKey = 'good-key', options?: Record<string, unknown>, base = sim.url) =>
    createAggregatorAdapter({ id: 'agg-test', apiKey, baseUrl: base, timeoutMs: 500, dispatcher, options });

  beforeAll(async () => {
    sim = await startAggregatorSimulator({ apiKey: 'good-key' });
  });
  afterAll(async () => {
    await sim.close();
    await dispatcher.close();
  });
  beforeEach(() => {
    sim.state.reset();
    sim.state.behaviour.jobDurationMs = 30;
    adapter = make();
  });

  async function runToEnd(a: ProviderAdapter, upstreamId: string, req: CanonicalRequest): Promise<JobSnapshot> {
    for (let i = 0; i < 50; i++) {
      const snap = await a.poll({ upstreamId, state: {}, request: req });
      if (snap.status === 'succeeded' || snap.status === 'failed') return snap;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the task never ended');
  }

  it('runs imagine to success: bearer auth, flat body, four image urls, cost and the remote jobId', async () => {
    const sub = await adapter.submit({ request: imagine });
    expect(sub.upstreamId).toMatch(/^task_/);
    expect(sub.snapshot?.status).toBe('queued');
    expect(sim.state.requests[0]).toMatchObject({ method: 'POST', path: '/model/v1/generation', body: { model: 'midjourney_diffusion', text: 'a red fox' } });
    expect(sim.state.requests[0]!.headers.authorization).toBe('Bearer good-key');
    const snap = await runToEnd(adapter, sub.upstreamId, imagine);
    expect(snap.status).toBe('succeeded');
    expect(snap.output?.imageUrls).toHaveLength(4);
    expect(snap.cost).toEqual({ amountUsd: 0.08, reported: true });
    expect(snap.state?.jobId).toEqual(sim.state.jobs.get(sub.upstreamId)!.extra.remoteJobId);
    expect(snap.state?.jobId).not.toBe(sub.upstreamId);
  });

  it('sends a variation with the jobId from the parent output, and it completes', async () => {
    const root = await adapter.submit({ request: imagine });
    const done = await runToEnd(adapter, root.upstreamId, imagine);
    const variation: CanonicalRequest = { action: 'variation', taskId: 'tsk_1', index: 2, strength: 'strong' };
    const child = await adapter.submit({ request: variation, parent: { upstreamId: root.upstreamId, action: 'imagine', state: done.state as UpstreamState, output: done.output! } });
    expect(sim.state.requests.at(-1)!.body).toEqual({ model: 'midjourney_variation', jobId: done.state!.jobId, imageNo: 1, type: 1 });
    expect((await runToEnd(adapter, child.upstreamId, variation)).output?.imageUrls).toHaveLength(4);
  });

  it('gives jobId one meaning, the remote job id: a parent named by its aggregator task id is not found', async () => {
    const root = await adapter.submit({ request: imagine });
    await runToEnd(adapter, root.upstreamId, imagine);
    const byTaskId = adapter.submit({ request: { action: 'upscale', taskId: 't', index: 1 }, parent: { upstreamId: root.upstreamId, action: 'imagine', state: {}, output: null } });
    const err = await expectClass(byTaskId, 'invalid_request');
    expect(err.upstream).toMatchObject({ status: 400, code: 8004002008 });
    expect(sim.state.requests.at(-1)!.body).toMatchObject({ jobId: root.upstreamId });
  });

  it('sends the wrapped body when configured, which a wrapped-only simulator accepts and a flat-only one refuses', async () => {
    const wrappedSim = await startAggregatorSimulator({ apiKey: 'good-key', bodyStyle: 'wrapped' });
    const flatSim = await startAggregatorSimulator({ apiKey: 'good-key', bodyStyle: 'flat' });
    try {
      const sub = await make('good-key', { bodyStyle: 'wrapped' }, wrappedSim.url).submit({ request: imagine, callbackUrl: 'https://gw/cb' });
      expect(wrappedSim.state.requests[0]!.body).toEqual({ model: 'midjourney_diffusion', input: [{ params: { text: 'a red fox', callback: 'https://gw/cb' } }] });
      expect(wrappedSim.state.jobs.get(sub.upstreamId)?.callback).toBe('https://gw/cb');
      await expectClass(make('good-key', { bodyStyle: 'wrapped' }, flatSim.url).submit({ request: imagine }), 'invalid_request');
    } finally {
      await wrappedSim.close();
      await flatSim.close();
    }
  });

  it('validates params like the docs: 400 with the 8004… code', async () => {
    const root = await adapter.submit({ request: imagine });
    await runToEnd(adapter, root.upstreamId, imagine);
    const send = async (body: unknown) => {
      const res = await request(`${sim.url}/model/v1/generation`, { method: 'POST', dispatcher, headers: { authorization: 'Bearer good-key', 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.statusCode, body: (await res.body.json()) as { code: number } };
    };
    const jobId = sim.state.jobs.get(root.upstreamId)!.extra.remoteJobId;
    expect(await send({ model: 'midjourney_variation', jobId, imageNo: 4, type: 0 })).toMatchObject({ status: 400, body: { code: 8004004003 } });
    expect(await send({ model: 'midjourney_variation', imageNo: 0, type: 0 })).toMatchObject({ status: 400, body: { code: 8004004001 } });
    expect(await send({ model: 'midjourney_variation', jobId, imageNo: 0, type: 2 })).toMatchObject({ status: 400, body: { code: 8004004005 } });
    expect(await send({ model: 'midjourney_diffusion', text: 'x', callback: 'ftp://x' })).toMatchObject({ status: 400, body: { code: 8004001006 } });
    expect(await send({ model: 'midjourney_teleport', text: 'x' })).toMatchObject({ status: 400 });
  });

  it('refuses a follow-up whose parent has not completed', async () => {
    const root = await adapter.submit({ request: { action: 'imagine', prompt: 'slow [sim:never]' } });
    const err = await expectClass(adapter.submit({ request: { action: 'reroll', taskId: 't' }, parent: { upstreamId: root.upstreamId, action: 'imagine', state: {}, output: null } }), 'invalid_request');
    expect(err.upstream.code).toBe(8004003008);
  });

  it('reports [sim:fail] as a provider failure and [sim:banned] as content_rejected', async () => {
    const fail = await adapter.submit({ request: { action: 'imagine', prompt: 'x [sim:fail]' } });
    expect((await runToEnd(adapter, fail.upstreamId, imagine)).failure).toMatchObject({ kind: 'provider', code: 8004001098 });
    const banned = await adapter.submit({ request: { action: 'imagine', prompt: 'x [sim:banned]' } });
    expect((await runToEnd(adapter, banned.upstreamId, imagine)).failure?.kind).toBe('content_rejected');
  });

  it('calls an unknown model unavailable, so the task can move to another provider', async () => {
    sim.state.faults.push({ on: 'submit', status: 400, body: { code: 400, error_message: 'unknown model midjourney_reroll' } });
    await expectClass(adapter.submit({ request: imagine }), 'unavailable');
  });

  it('classifies a wrong key as auth_invalid, with the upstream message', async () => {
    const err = await expectClass(make('wrong').submit({ request: imagine }), 'auth_invalid');
    expect(err.upstream).toMatchObject({ status: 401, code: 401, message: 'API key is missing or invalid' });
  });

  it.each<[number, unknown, string]>([
    [400, { code: 8004004002, error_message: 'Image number missing' }, 'invalid_request'],
    [400, { code: 8004004099, error_message: 'Provider unavailable' }, 'unavailable'],
    [402, { code: 402, message: 'Payment required' }, 'quota_exhausted'],
    [403, { code: 403, error_message: 'Insufficient balance or permission denied' }, 'quota_exhausted'],
    [403, { code: 403, error_message: 'permission denied for this model' }, 'invalid_request'], // about the request (the model), not the account
    [403, { error: { code: 403, message: 'sensitive content detected' } }, 'content_rejected'],
    [404, { code: 404, error_message: 'Not found' }, 'unavailable'],
    [500, { code: 500, error_message: 'Internal server error' }, 'unavailable'],
    [503, 'Service Unavailable', 'unavailable'],
  ])('classifies HTTP %i %j on submit as %s', async (status, body, kind) => {
    sim.state.faults.push({ on: 'submit', status, body });
    await expectClass(adapter.submit({ request: imagine }), kind);
  });

  it('keeps Retry-After from a 429', async () => {
    sim.state.faults.push({ on: 'submit', status: 429, body: { code: 429, error_message: 'Rate limit exceeded' }, headers: { 'retry-after': '7' } });
    const err = await expectClass(adapter.submit({ request: imagine }), 'rate_limited');
    expect(err.retryAfterMs).toBe(7000);
  });

  it('calls a hung submit ambiguous and a hung poll timeout', async () => {
    sim.state.faults.push({ on: 'submit', hang: true });
    await expectClass(adapter.submit({ request: imagine }), 'ambiguous');
    sim.state.faults.push({ on: 'poll', hang: true });
    await expectClass(adapter.poll({ upstreamId: 'task_x', state: {}, request: imagine }), 'timeout');
  });

  it('calls a submit whose answer is lost ambiguous, and a lost poll unavailable', async () => {
    sim.state.faults.push({ on: 'submit', reset: true, acceptFirst: true });
    await expectClass(adapter.submit({ request: imagine }), 'ambiguous');
    expect(sim.state.jobs.size).toBe(1);
    sim.state.faults.push({ on: 'poll', reset: true });
    await expectClass(adapter.poll({ upstreamId: 'task_x', state: {}, request: imagine }), 'unavailable');
  });

  it('calls a malformed 200 ambiguous on submit and unavailable on poll', async () => {
    sim.state.faults.push({ on: 'submit', malformed: true });
    await expectClass(adapter.submit({ request: imagine }), 'ambiguous');
    sim.state.faults.push({ on: 'submit', status: 200, body: { status: 'pending' } });
    await expectClass(adapter.submit({ request: imagine }), 'ambiguous');
    sim.state.faults.push({ on: 'poll', malformed: true });
    await expectClass(adapter.poll({ upstreamId: 'task_x', state: {}, request: imagine }), 'unavailable');
  });

  it('reads a 200 that carries an 8004… error code as that error', async () => {
    sim.state.faults.push({ on: 'submit', status: 200, body: { code: 8004001002, error_message: 'Invalid text length' } });
    const err = await expectClass(adapter.submit({ request: imagine }), 'invalid_request');
    expect(err.upstream).toMatchObject({ status: 200, code: 8004001002 });
  });

  it('reports an unknown task as not_found', async () => {
    await expectClass(adapter.poll({ upstreamId: 'task_nope', state: {}, request: imagine }), 'not_found');
  });

  describe('with a callback receiver', () => {
    let receiver: Server;
    let receiverUrl: string;
    const received: unknown[] = [];

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        req.on('end', () => {
          received.push(JSON.parse(raw));
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/callbacks/agg-test/token123`;
    });
    afterAll(async () => {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    });

    it('delivers the finished TaskStatus, which reads as a succeeded snapshot', async () => {
      const sub = await adapter.submit({ request: imagine, callbackUrl: receiverUrl });
      expect(sim.state.requests[0]!.body).toMatchObject({ callback: receiverUrl });
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(received).toHaveLength(1);
      const task = readTask(received[0])!;
      expect(task.id).toBe(sub.upstreamId);
      const snap = aggregatorSnapshot(task);
      expect(snap.status).toBe('succeeded');
      expect(snap.output?.imageUrls).toHaveLength(4);
      expect(snap.state?.jobId).toBeTypeOf('string');
    });
  });
});
