/** The APIMart adapter against its simulator over real HTTP: every call a real request, every answer the wire's. */
import { Agent } from 'undici';
import { expectClass } from '../helpers/provider-errors.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApimartAdapter } from '../../providers/apimart/index.js';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { CanonicalRequest, JobSnapshot, ParentRef, ProviderAdapter, UpstreamState } from '../../providers/types.js';

const GEN = '/v1/midjourney/generations';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('APIMart adapter against the simulator', () => {
  let sim: Simulator;
  let adapter: ProviderAdapter;
  const dispatcher = new Agent();
  const make = (over: { apiKey?: string; timeoutMs?: number } = {}) =>
    createApimartAdapter({ id: 'apimart-test', apiKey: over.apiKey ?? 'good-key', baseUrl: sim.url, timeoutMs: over.timeoutMs ?? 500, dispatcher });

  beforeAll(async () => {
    sim = await startApimartSimulator({ apiKey: 'good-key' });
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

  /** Submits and polls like the gateway (state merged after each poll) until the task ends. */
  async function run(request: CanonicalRequest, parent?: ParentRef) {
    const sub = await adapter.submit({ request, parent });
    let state: UpstreamState = { ...sub.state };
    for (let i = 0; i < 200; i++) {
      await sleep(10);
      const snap: JobSnapshot = await adapter.poll({ upstreamId: sub.upstreamId, state, request });
      state = { ...state, ...snap.state };
      if (snap.status === 'succeeded' || snap.status === 'failed') {
        const ref: ParentRef = { upstreamId: sub.upstreamId, action: request.action, state, output: snap.output ?? null };
        return { sub, snap, state, ref };
      }
    }
    throw new Error('the task never ended');
  }
  const posts = () => sim.state.requests.filter((r) => r.method === 'POST').map((r) => r.path.replace(GEN, ''));

  it('runs an imagine to four images with Bearer auth and speed fast', async () => {
    const { sub, snap } = await run({ action: 'imagine', prompt: 'a red fox' });
    expect(sub.upstreamId).toMatch(/^task_[0-9A-Z]{26}$/);
    expect(sim.state.requests[0]).toMatchObject({ method: 'POST', path: `${GEN}/imagine`, body: { prompt: 'a red fox', speed: 'fast' } });
    expect(sim.state.requests[0]!.headers.authorization).toBe('Bearer good-key');
    expect(snap.status).toBe('succeeded');
    expect(snap.output?.imageUrls).toHaveLength(4);
    expect(snap.output?.gridImageUrl).toMatch(/\.png$/);
    expect(snap.cost).toEqual({ amountUsd: 0.05, reported: true });
  });

  it('sends a strong variation to /high-variation', async () => {
    const parent = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
    const { snap } = await run({ action: 'variation', taskId: 't', index: 2, strength: 'strong' }, parent);
    expect(posts()).toEqual(['/imagine', '/high-variation']);
    expect(snap.output?.imageUrls).toHaveLength(4);
  });

  it('runs an inpaint through MODAL and /modal under one client task', async () => {
    const image = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
    const up = (await run({ action: 'upscale', taskId: 't', index: 1 }, image)).ref;
    const request: CanonicalRequest = { action: 'inpaint', taskId: 't', index: 1, mask: { url: 'https://x/mask.png' }, prompt: 'a hat' };
    const { sub, snap, state } = await run(request, up);
    expect(sub.snapshot?.status).toBe('running');
    expect(posts()).toEqual(['/imagine', '/upscale', '/inpaint', '/modal']);
    expect(sim.state.requests.find((r) => r.path.endsWith('/modal'))!.body).toEqual({ task_id: sub.upstreamId, prompt: 'a hat', mask_url: 'https://x/mask.png' });
    expect(state).toMatchObject({ modalSent: true, currentTaskId: sub.upstreamId });
    expect(snap.status).toBe('succeeded');
    expect(snap.output?.imageUrls).toHaveLength(4);
  });

  it('upscales a grid image first for inpaint, then runs both inpaint steps', async () => {
    const image = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
    const { snap } = await run({ action: 'inpaint', taskId: 't', index: 3, mask: { url: 'https://x/mask.png' } }, image);
    expect(posts()).toEqual(['/imagine', '/upscale', '/inpaint', '/modal']);
    expect(snap.status).toBe('succeeded');
  });

  it('upscales a grid image first for pan, and children follow the pan task', async () => {
    const image = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
    const { sub, snap, state, ref } = await run({ action: 'pan', taskId: 't', index: 2, direction: 'left' }, image);
    expect(posts()).toEqual(['/imagine', '/upscale', '/pan']);
    expect(sim.state.requests[sim.state.requests.findIndex((r) => r.path.endsWith('/upscale'))]!.body).toEqual({ task_id: image.upstreamId, index: 2, speed: 'fast' });
    expect(state.upscaleTaskId).toBe(sub.upstreamId);
    expect(state.currentTaskId).not.toBe(sub.upstreamId);
    expect(snap.output?.imageUrls).toHaveLength(4);
    await run({ action: 'variation', taskId: 't', index: 1 }, ref);
    expect(sim.state.requests.find((r) => r.path.endsWith('/variation'))!.body).toMatchObject({ task_id: state.currentTaskId });
  });

  describe('when only reading (a canceled task waits for its job to end)', () => {
    /** Polls read-only until the job ends. */
    async function readUntilEnd(upstreamId: string, state: UpstreamState, request: CanonicalRequest) {
      for (let i = 0; i < 200; i++) {
        await sleep(10);
        const snap = await adapter.poll({ upstreamId, state, request, readOnly: true });
        if (snap.status === 'succeeded' || snap.status === 'failed') return snap;
      }
      throw new Error('the job never ended');
    }

    it('ends with the pre-step upscale and never sends the pan after it', async () => {
      const image = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
      const request: CanonicalRequest = { action: 'pan', taskId: 't', index: 2, direction: 'left' };
      const sub = await adapter.submit({ request, parent: image });
      expect((await readUntilEnd(sub.upstreamId, sub.state ?? {}, request)).status).toBe('succeeded');
      expect(posts()).toEqual(['/imagine', '/upscale']);
    });

    it('counts an inpaint left in MODAL as ended, without sending the mask', async () => {
      const image = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
      const up = (await run({ action: 'upscale', taskId: 't', index: 1 }, image)).ref;
      const request: CanonicalRequest = { action: 'inpaint', taskId: 't', index: 1, mask: { url: 'https://x/mask.png' } };
      const sub = await adapter.submit({ request, parent: up });
      expect((await readUntilEnd(sub.upstreamId, sub.state ?? {}, request)).status).toBe('failed');
      expect(posts()).toEqual(['/imagine', '/upscale', '/inpaint']);
    });
  });

  it('reaches the creative upscale through the upscaled image button', async () => {
    const image = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
    const up = (await run({ action: 'upscale', taskId: 't', index: 4 }, image)).ref;
    expect(up.output?.imageUrls).toHaveLength(1);
    const { snap } = await run({ action: 'upscale', taskId: 't', index: 1, mode: 'creative' }, up);
    expect(sim.state.requests.filter((r) => r.path.endsWith('/upscale')).at(-1)!.body).toMatchObject({ custom_id: expect.stringContaining('upsample_v7_2x_creative') });
    expect(snap.status).toBe('succeeded');
  });

  it('splits the describe prompts and renders videos', async () => {
    const described = (await run({ action: 'describe', imageUrl: 'https://x/a.png' })).snap.output!;
    expect(described.prompts).toHaveLength(4);
    // The description is kept as APIMart gave it, keycaps and all.
    expect(described.texts?.description).toMatch(/^1\uFE0F\u20E3 suggestion 1/u);
    const image = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
    const video = await run({ action: 'video', taskId: 't', index: 1 }, image);
    expect(video.snap.output?.videoUrls).toHaveLength(1);
  });

  it('ends the task when the step after the upscale is refused, and retries it after a transient error', async () => {
    const image = (await run({ action: 'imagine', prompt: 'a fox' })).ref;
    const sub = await adapter.submit({ request: { action: 'zoom', taskId: 't', index: 1 }, parent: image });
    await sleep(40);
    sim.state.faults.push({ on: 'submit', status: 503 });
    const request: CanonicalRequest = { action: 'zoom', taskId: 't', index: 1 };
    await expectClass(adapter.poll({ upstreamId: sub.upstreamId, state: sub.state!, request }), 'unavailable');
    sim.state.faults.push({ on: 'submit', status: 400, body: { code: 4, message: 'invalid generation request' } });
    const snap = await adapter.poll({ upstreamId: sub.upstreamId, state: sub.state!, request });
    expect(snap).toEqual({ status: 'failed', failure: { kind: 'invalid_request', code: 4, message: 'invalid generation request' } });
  });

  it('falls back to the unified query when the MJ-style one answers 404', async () => {
    const request: CanonicalRequest = { action: 'imagine', prompt: 'a fox' };
    const sub = await adapter.submit({ request });
    await sleep(40);
    sim.state.faults.push({ on: 'poll', status: 404, body: { code: 3, message: 'not found' } });
    const snap = await adapter.poll({ upstreamId: sub.upstreamId, state: {}, request });
    expect(snap).toMatchObject({ status: 'succeeded', state: { query: 'unified' } });
    expect(snap.output?.imageUrls).toHaveLength(4);
    expect(sim.state.requests.at(-1)!.path).toBe(`/v1/tasks/${sub.upstreamId}`);
  });

  it('reports prompt directives: banned is content_rejected, fail is the provider', async () => {
    expect((await run({ action: 'imagine', prompt: 'x [sim:banned]' })).snap.failure?.kind).toBe('content_rejected');
    expect((await run({ action: 'imagine', prompt: 'x [sim:fail]' })).snap.failure).toEqual({ kind: 'provider', message: 'Generation process failed' });
  });

  it('refuses a follow-up on an unfinished parent and a pan on a grid sent as if upscaled', async () => {
    sim.state.behaviour.jobDurationMs = 10_000;
    const sub = await adapter.submit({ request: { action: 'imagine', prompt: 'x' } });
    const parent: ParentRef = { upstreamId: sub.upstreamId, action: 'imagine', state: {}, output: null };
    const err = await expectClass(adapter.submit({ request: { action: 'variation', taskId: 't', index: 1 }, parent }), 'invalid_request');
    expect(err.upstream).toMatchObject({ status: 400, code: 4, message: `task ${sub.upstreamId} is not in SUCCESS state` });
    sim.state.finish(sub.upstreamId);
    const fake: ParentRef = { ...parent, action: 'upscale' };
    const pan = await expectClass(adapter.submit({ request: { action: 'pan', taskId: 't', index: 1, direction: 'up' }, parent: fake }), 'invalid_request');
    expect(pan.message).toMatch(/requires an upscaled task/);
  });

  it('classifies a wrong key as auth_invalid', async () => {
    const err = await expectClass(make({ apiKey: 'wrong' }).submit({ request: { action: 'imagine', prompt: 'x' } }), 'auth_invalid');
    expect(err.upstream).toMatchObject({ status: 401, message: 'Invalid API key' });
  });

  it.each([
    [400, 'invalid_request'], [402, 'quota_exhausted'], [403, 'auth_invalid'], [429, 'rate_limited'], [500, 'unavailable'], [502, 'unavailable'], [503, 'unavailable'],
  ])('classifies HTTP %i on submit as %s', async (status, kind) => {
    sim.state.faults.push({ on: 'submit', status, body: { error: { type: 'x', message: 'simulated', code: status } } });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), kind);
  });

  it('keeps Retry-After from a 429', async () => {
    sim.state.faults.push({ on: 'submit', status: 429, headers: { 'retry-after': '7' }, body: { error: { type: 'rate_limit_error', message: 'slow down' } } });
    const err = await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'rate_limited');
    expect(err.retryAfterMs).toBe(7000);
  });

  it('reads a refusal inside a 200 body', async () => {
    sim.state.faults.push({ on: 'submit', status: 200, body: { code: 24, msg: 'banned prompt' } });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'content_rejected');
  });

  it('calls a lost submit answer ambiguous and a lost poll unavailable', async () => {
    sim.state.faults.push({ on: 'submit', reset: true, acceptFirst: true });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'ambiguous');
    expect(sim.state.jobs.size).toBe(1);
    sim.state.faults.push({ on: 'poll', reset: true });
    await expectClass(adapter.poll({ upstreamId: 'task_X', state: {}, request: { action: 'imagine', prompt: 'x' } }), 'unavailable');
  });

  it('calls a hung submit ambiguous and a hung poll timeout', async () => {
    const quick = make({ timeoutMs: 150 });
    sim.state.faults.push({ on: 'submit', hang: true });
    await expectClass(quick.submit({ request: { action: 'imagine', prompt: 'x' } }), 'ambiguous');
    sim.state.faults.push({ on: 'poll', hang: true });
    await expectClass(quick.poll({ upstreamId: 'task_X', state: {}, request: { action: 'imagine', prompt: 'x' } }), 'timeout');
  });

  it('calls a malformed 200 ambiguous on submit and unavailable on poll', async () => {
    sim.state.faults.push({ on: 'submit', malformed: true });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'ambiguous');
    sim.state.faults.push({ on: 'poll', malformed: true });
    await expectClass(adapter.poll({ upstreamId: 'task_X', state: {}, request: { action: 'imagine', prompt: 'x' } }), 'unavailable');
  });

  it('reports a task neither query knows as not_found', async () => {
    await expectClass(adapter.poll({ upstreamId: 'task_NOPE', state: {}, request: { action: 'imagine', prompt: 'x' } }), 'not_found');
    expect(sim.state.requests.map((r) => r.path)).toEqual(['/v1/midjourney/task_NOPE', '/v1/tasks/task_NOPE']);
  });

  it('calls a refused connection unavailable (nothing was sent)', async () => {
    const closed = createApimartAdapter({ id: 'x', apiKey: 'k', baseUrl: 'http://127.0.0.1:1', timeoutMs: 500, dispatcher });
    await expectClass(closed.submit({ request: { action: 'imagine', prompt: 'x' } }), 'unavailable');
  });
});
