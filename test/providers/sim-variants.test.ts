/**
 * The wire variants the vendors document beside the usual form, served by the simulators over real HTTP, and what the
 * adapters make of each: Legnext's `staged` and `{error: {...}}` body, APIMart's NOT_START, CANCEL and a 200 that
 * carries a refusal.
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApimartAdapter } from '../../providers/apimart/index.js';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { createLegnextAdapter } from '../../providers/legnext/index.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { CanonicalRequest, JobSnapshot, ParentRef, ProviderAdapter } from '../../providers/types.js';
import { expectClass } from '../helpers/provider-errors.js';

const dispatcher = new Agent();
const imagine: CanonicalRequest = { action: 'imagine', prompt: 'a lighthouse' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilEnd(adapter: ProviderAdapter, upstreamId: string, req: CanonicalRequest): Promise<JobSnapshot> {
  for (let i = 0; i < 200; i++) {
    const snap = await adapter.poll({ upstreamId, state: {}, request: req });
    if (snap.status === 'succeeded' || snap.status === 'failed') return snap;
    await sleep(10);
  }
  throw new Error('the job never ended');
}

async function raw(url: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await request(url, { method: body ? 'POST' : 'GET', dispatcher, headers: { ...headers, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.statusCode, body: await res.body.json() };
}

afterAll(() => dispatcher.close());

describe('Legnext variants', () => {
  let sim: Simulator;
  let adapter: ProviderAdapter;
  const key = { 'x-api-key': 'lk' };
  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    adapter = createLegnextAdapter({ id: 'l', apiKey: 'lk', baseUrl: `${sim.url}/api`, timeoutMs: 1000, dispatcher });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.state.reset());

  it('reads a staged job as still queued, then runs it to the end', async () => {
    Object.assign(sim.state.behaviour, { variants: ['legnext-staged'], jobDurationMs: 400, pendingShare: 0.9 });
    const sub = await adapter.submit({ request: imagine });
    expect(sub.snapshot?.status).toBe('queued');
    const staged = await raw(`${sim.url}/api/v1/job/${sub.upstreamId}`, key);
    expect(staged.body.status).toBe('staged');
    expect((await adapter.poll({ upstreamId: sub.upstreamId, state: {}, request: imagine })).status).toBe('queued');
    expect((await untilEnd(adapter, sub.upstreamId, imagine)).status).toBe('succeeded');
  });

  it('classifies errors that come wrapped as {error: {...}}', async () => {
    sim.state.behaviour.variants = ['legnext-error-wrapped'];
    const wrapped = await raw(`${sim.url}/api/v1/job/nope`, key);
    expect(wrapped).toEqual({ status: 404, body: { error: { code: 404, message: 'Job not found', raw_message: 'Job not found', detail: null } } });

    const orphan: ParentRef = { upstreamId: 'no-such-job', action: 'imagine', state: {}, output: null };
    const gone = await expectClass(adapter.submit({ request: { action: 'upscale', taskId: 't', index: 1 }, parent: orphan }), 'not_found');
    expect(gone.upstream).toMatchObject({ status: 400, message: 'job no-such-job not found' });
    const relax = await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'a fox --relax' } }), 'invalid_request');
    expect(relax.upstream.message).toBe('relax mode is not supported');
    await expectClass(adapter.poll({ upstreamId: 'nope', state: {}, request: imagine }), 'not_found');
    const badKey = createLegnextAdapter({ id: 'l', apiKey: 'wrong', baseUrl: `${sim.url}/api`, timeoutMs: 1000, dispatcher });
    expect((await expectClass(badKey.submit({ request: imagine }), 'auth_invalid')).upstream.message).toBe('Failed to verify api key');
  });

  it('reads a paused endpoint refusal in the wrapped body as action_not_supported', async () => {
    sim.state.faults = [{ on: 'submit', status: 400, body: { error: { code: 400, message: 'retexture is temporarily paused', raw_message: '', detail: null } } }];
    await expectClass(adapter.submit({ request: { action: 'retexture', imageUrl: 'https://images.example.com/a.png', prompt: 'marble' } }), 'action_not_supported');
  });
});

describe('APIMart variants', () => {
  let sim: Simulator;
  let adapter: ProviderAdapter;
  const key = { authorization: 'Bearer ak' };
  beforeAll(async () => {
    sim = await startApimartSimulator({ apiKey: 'ak' });
    adapter = createApimartAdapter({ id: 'a', apiKey: 'ak', baseUrl: sim.url, timeoutMs: 1000, dispatcher });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.state.reset());

  it('reads NOT_START as queued, then runs the task to the end', async () => {
    Object.assign(sim.state.behaviour, { variants: ['apimart-not-start'], jobDurationMs: 400, pendingShare: 0.9 });
    const sub = await adapter.submit({ request: imagine });
    expect((await raw(`${sim.url}/v1/midjourney/${sub.upstreamId}`, key)).body.status).toBe('NOT_START');
    expect((await raw(`${sim.url}/v1/tasks/${sub.upstreamId}`, key)).body.data.status).toBe('pending');
    expect((await adapter.poll({ upstreamId: sub.upstreamId, state: {}, request: imagine })).status).toBe('queued');
    expect((await untilEnd(adapter, sub.upstreamId, imagine)).status).toBe('succeeded');
  });

  it('ends a task APIMart cancelled as failed on the provider side, with its reason', async () => {
    Object.assign(sim.state.behaviour, { jobDurationMs: 30, outcome: { kind: 'cancel', message: 'modal step timed out' } });
    const sub = await adapter.submit({ request: imagine });
    const snap = await untilEnd(adapter, sub.upstreamId, imagine);
    expect(snap).toEqual({ status: 'failed', failure: { kind: 'provider', message: 'modal step timed out' } });
    expect((await raw(`${sim.url}/v1/midjourney/${sub.upstreamId}`, key)).body).toMatchObject({ status: 'CANCEL', fail_reason: 'modal step timed out' });
    expect((await raw(`${sim.url}/v1/tasks/${sub.upstreamId}`, key)).body.data.status).toBe('cancelled');
  });

  it('reads the unified query with one url string per image (A3b) as with the url list (A3a)', async () => {
    Object.assign(sim.state.behaviour, { variants: ['apimart-url-string'], jobDurationMs: 20 });
    const sub = await adapter.submit({ request: imagine });
    await sleep(60);
    const unified = (await raw(`${sim.url}/v1/tasks/${sub.upstreamId}`, key)).body.data.result.images;
    expect(unified).toHaveLength(4);
    expect(typeof unified[0].url).toBe('string');
    // The MJ-style query answers 404 once: the adapter reads the unified one instead.
    sim.state.faults = [{ on: 'poll', status: 404, body: { code: 3, message: 'not found' } }];
    const snap = await adapter.poll({ upstreamId: sub.upstreamId, state: {}, request: imagine });
    expect(snap).toMatchObject({ status: 'succeeded', output: { imageUrls: unified.map((i: { url: string }) => i.url) }, state: { query: 'unified' } });
  });

  it('fails an inpaint whose mask never reached APIMart once its MODAL step is cancelled', async () => {
    const short = await startApimartSimulator({ apiKey: 'ak', modalTimeoutMs: 150 });
    try {
      short.state.behaviour.jobDurationMs = 20;
      const a = createApimartAdapter({ id: 'a', apiKey: 'ak', baseUrl: short.url, timeoutMs: 1000, dispatcher });
      const grid = await a.submit({ request: imagine });
      await untilEnd(a, grid.upstreamId, imagine);
      const upscale: CanonicalRequest = { action: 'upscale', taskId: 't', index: 1 };
      const up = await a.submit({ request: upscale, parent: { upstreamId: grid.upstreamId, action: 'imagine', state: {}, output: null } });
      await untilEnd(a, up.upstreamId, upscale);
      const inpaint: CanonicalRequest = { action: 'inpaint', taskId: 't', index: 1, mask: { url: 'https://x/m.png' } };
      const sub = await a.submit({ request: inpaint, parent: { upstreamId: up.upstreamId, action: 'upscale', state: {}, output: null } });
      // Every /modal the adapter sends is lost to a 503, so the task stays in MODAL until APIMart cancels it.
      short.state.faults = [{ on: 'submit', status: 503, times: 1000 }];
      let snap: JobSnapshot | undefined;
      for (let i = 0; i < 100 && snap?.status !== 'failed'; i++) {
        snap = await a.poll({ upstreamId: sub.upstreamId, state: {}, request: inpaint }).catch(() => undefined);
        await sleep(10);
      }
      expect(snap).toEqual({ status: 'failed', failure: { kind: 'provider', message: expect.stringMatching(/modal step was not submitted in time/) } });
      expect(short.state.requests.filter((r) => r.path.endsWith('/modal')).length).toBeGreaterThan(0);
      short.state.faults = [];
      const late = await raw(`${short.url}/v1/midjourney/generations/modal`, key, { task_id: sub.upstreamId, mask_url: 'https://x/m.png' });
      expect(late).toMatchObject({ status: 400, body: { code: 4, message: expect.stringMatching(/not in MODAL state/) } });
    } finally {
      await short.close();
    }
  });

  it('classifies a refusal that comes as HTTP 200 by its body code', async () => {
    sim.state.behaviour.variants = ['apimart-code-in-200'];
    const missing: ParentRef = { upstreamId: 'task_MISSING', action: 'imagine', state: {}, output: null };
    const notFound = await expectClass(adapter.submit({ request: { action: 'variation', taskId: 't', index: 1 }, parent: missing }), 'not_found');
    expect(notFound.upstream).toMatchObject({ status: 200, code: 3, message: 'task task_MISSING not found' });
    const blend = await expectClass(adapter.submit({ request: { action: 'blend', imageUrls: ['https://x/a.png'] } }), 'invalid_request');
    expect(blend.upstream).toMatchObject({ status: 200, code: 4 });
    expect(await raw(`${sim.url}/v1/midjourney/generations/blend`, key, { image_urls: [] })).toEqual({ status: 200, body: { code: 4, message: 'image_urls must hold 2-4 images' } });
  });
});
