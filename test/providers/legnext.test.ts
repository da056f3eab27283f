import { Agent } from 'undici';
import { expectClass } from '../helpers/provider-errors.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { legnextErrorBody, jobFailure } from '../../providers/legnext/errors.js';
import { createLegnextAdapter } from '../../providers/legnext/index.js';
import { legnextSnapshot, readJob } from '../../providers/legnext/job.js';
import { legnextRequest } from '../../providers/legnext/submit.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { type ProviderAdapter } from '../../providers/types.js';
import { L1_PENDING, L2_COMPLETED, L4_DESCRIBE_PENDING, L5_VIDEO_PENDING, L7_FAILED } from './legnext-samples.js';

const parent = { upstreamId: 'a616de55-6130-4e1f-b8cd-531ed0599353', action: 'imagine' as const, state: {}, output: null };

describe('Legnext request translation', () => {
  it('turns index 1-4 into imageNo 0-3 and strength into type', () => {
    const { path, body } = legnextRequest({ request: { action: 'variation', taskId: 't', index: 4, strength: 'strong' }, parent });
    expect(path).toBe('/v1/variation');
    expect(body).toEqual({ jobId: parent.upstreamId, imageNo: 3, type: 1 });
  });

  it('sends a subtle upscale as type 0 and a creative one as type 1', () => {
    expect(legnextRequest({ request: { action: 'upscale', taskId: 't', index: 1 }, parent }).body).toMatchObject({ imageNo: 0, type: 0 });
    expect(legnextRequest({ request: { action: 'upscale', taskId: 't', index: 2, mode: 'creative' }, parent }).body).toMatchObject({ imageNo: 1, type: 1 });
  });

  it('carries turbo as a prompt flag and image prompts in front of the text', () => {
    const { body } = legnextRequest({ request: { action: 'imagine', prompt: 'a cat --ar 16:9', imageUrls: ['https://x/a.png'], speed: 'turbo' }, callbackUrl: 'https://gw/cb' });
    expect(body).toEqual({ text: 'https://x/a.png a cat --ar 16:9 --turbo', callback: 'https://gw/cb' });
  });

  it('maps pan directions to Legnext numbers and zoom to outpaint', () => {
    expect(legnextRequest({ request: { action: 'pan', taskId: 't', index: 1, direction: 'left', scale: 2 }, parent }).body).toMatchObject({ direction: 3, scale: 2 });
    const zoom = legnextRequest({ request: { action: 'zoom', taskId: 't', index: 3 }, parent });
    expect(zoom).toMatchObject({ path: '/v1/outpaint', body: { imageNo: 2, scale: 2 } });
  });

  it('refuses relax, since Legnext has none', () => {
    const adapter = createLegnextAdapter({ id: 'l', apiKey: 'k', timeoutMs: 1000, dispatcher: new Agent() });
    expect(adapter.unsupported({ action: 'imagine', prompt: 'x', speed: 'relax' })).toMatch(/relax/);
    expect(adapter.unsupported({ action: 'imagine', prompt: 'x', speed: 'turbo' })).toBeNull();
  });
});

describe('Legnext job mapping (documented samples)', () => {
  it('reads the pending submit answer as queued', () => {
    expect(legnextSnapshot(readJob(L1_PENDING)!)).toEqual({ status: 'queued', progress: 0 });
  });

  it('reads the completed job: grid, four images, seed and cost in USD', () => {
    const snap = legnextSnapshot(readJob(L2_COMPLETED)!);
    expect(snap.status).toBe('succeeded');
    expect(snap.output).toEqual({
      gridImageUrl: 'https://cdn.legnext.ai/temp/1760408558306.png',
      imageUrls: [0, 1, 2, 3].map((n) => `https://cdn.legnext.ai/mj/a616de55-6130-4e1f-b8cd-531ed0599353_${n}.png`),
      videoUrls: [],
      prompts: [],
      seed: '1904983176',
    });
    expect(snap.cost).toEqual({ amountUsd: 0.08, reported: true });
  });

  it('reads a callback envelope {timestamp, data: job}', () => {
    expect(readJob({ timestamp: 1760408570, data: L2_COMPLETED })?.job_id).toBe('a616de55-6130-4e1f-b8cd-531ed0599353');
  });

  it('treats staged and unknown status words as still running, never as an end', () => {
    expect(legnextSnapshot({ job_id: 'x', status: 'staged' }).status).toBe('queued');
    expect(legnextSnapshot({ job_id: 'x', status: 'running' }).status).toBe('running');
    expect(legnextSnapshot({ job_id: 'x', status: 'weird-new-word' }).status).toBe('running');
  });

  it('reads pending describe and video shapes without output', () => {
    expect(legnextSnapshot(readJob(L4_DESCRIBE_PENDING)!).status).toBe('queued');
    expect(legnextSnapshot(readJob(L5_VIDEO_PENDING)!).status).toBe('queued');
  });

  it('classifies a failed job: 4xx code is invalid_request, banned prompt is content_rejected', () => {
    expect(legnextSnapshot(readJob(L7_FAILED)!).failure).toEqual({ kind: 'invalid_request', code: 400, message: 'Error description' });
    expect(jobFailure({ code: 10000, raw_message: 'Banned Prompt: gore', message: 'Prompt check failed' }).kind).toBe('content_rejected');
    expect(jobFailure({ code: 500, message: 'internal' }).kind).toBe('provider');
  });

  it('reads both documented error body shapes', () => {
    expect(legnextErrorBody({ code: 400, message: 'Invalid request parameters', raw_message: 'Invalid request parameters', detail: null })).toEqual({ code: 400, message: 'Invalid request parameters' });
    expect(legnextErrorBody({ error: { code: 400, message: 'Error description' } })).toEqual({ code: 400, message: 'Error description' });
  });
});

describe('Legnext adapter against the simulator', () => {
  let sim: Simulator;
  let adapter: ProviderAdapter;
  const dispatcher = new Agent();

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'good-key' });
  });
  afterAll(async () => {
    await sim.close();
    await dispatcher.close();
  });
  beforeEach(() => {
    sim.state.reset();
    sim.state.behaviour.jobDurationMs = 30;
    adapter = createLegnextAdapter({ id: 'legnext-test', apiKey: 'good-key', baseUrl: `${sim.url}/api`, timeoutMs: 500, dispatcher });
  });

  it('submits with x-api-key and polls the job to completion', async () => {
    const sub = await adapter.submit({ request: { action: 'imagine', prompt: 'a red fox' } });
    expect(sub.snapshot?.status).toBe('queued');
    expect(sim.state.requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/diffusion', body: { text: 'a red fox' } });
    expect(sim.state.requests[0]!.headers['x-api-key']).toBe('good-key');
    await new Promise((r) => setTimeout(r, 40));
    const snap = await adapter.poll({ upstreamId: sub.upstreamId, state: {}, request: { action: 'imagine', prompt: 'a red fox' } });
    expect(snap.status).toBe('succeeded');
    expect(snap.output?.imageUrls).toHaveLength(4);
    expect(snap.cost).toEqual({ amountUsd: 0.08, reported: true });
  });

  it('classifies 401 as auth_invalid', async () => {
    const bad = createLegnextAdapter({ id: 'x', apiKey: 'wrong', baseUrl: `${sim.url}/api`, timeoutMs: 500, dispatcher });
    const err = await expectClass(bad.submit({ request: { action: 'imagine', prompt: 'x' } }), 'auth_invalid');
    expect(err.upstream).toMatchObject({ status: 401, message: 'Failed to verify api key' });
  });

  it.each([
    [402, 'quota_exhausted'], [429, 'rate_limited'], [500, 'unavailable'], [503, 'unavailable'], [400, 'invalid_request'], [422, 'invalid_request'],
  ])('classifies HTTP %i on submit as %s', async (status, kind) => {
    sim.state.faults.push({ on: 'submit', status, body: { code: status, message: 'simulated', raw_message: '', detail: null } });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), kind);
  });

  it('classifies a 403 about sensitive content as content_rejected', async () => {
    sim.state.faults.push({ on: 'submit', status: 403, body: { code: 403, message: 'sensitive content detected', raw_message: '', detail: null } });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'content_rejected');
  });

  it('keeps Retry-After from a 429', async () => {
    sim.state.faults.push({ on: 'submit', status: 429, headers: { 'retry-after': '7' } });
    const err = await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'rate_limited');
    expect(err.retryAfterMs).toBe(7000);
  });

  it('calls a submit whose answer is lost ambiguous, and a lost poll unavailable', async () => {
    sim.state.faults.push({ on: 'submit', reset: true, acceptFirst: true });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'ambiguous');
    expect(sim.state.jobs.size).toBe(1);
    sim.state.faults.push({ on: 'poll', reset: true });
    await expectClass(adapter.poll({ upstreamId: 'x', state: {}, request: { action: 'imagine', prompt: 'x' } }), 'unavailable');
  });

  it('calls a hung submit ambiguous and a hung poll timeout', async () => {
    sim.state.faults.push({ on: 'submit', hang: true });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'ambiguous');
    sim.state.faults.push({ on: 'poll', hang: true });
    await expectClass(adapter.poll({ upstreamId: 'x', state: {}, request: { action: 'imagine', prompt: 'x' } }), 'timeout');
  });

  it('calls a malformed 200 on submit ambiguous', async () => {
    sim.state.faults.push({ on: 'submit', malformed: true });
    await expectClass(adapter.submit({ request: { action: 'imagine', prompt: 'x' } }), 'ambiguous');
  });

  it('calls a refused connection unavailable (nothing was sent)', async () => {
    const closed = createLegnextAdapter({ id: 'x', apiKey: 'k', baseUrl: 'http://127.0.0.1:1/api', timeoutMs: 500, dispatcher });
    await expectClass(closed.submit({ request: { action: 'imagine', prompt: 'x' } }), 'unavailable');
  });

  it('reports an unknown job as not_found', async () => {
    await expectClass(adapter.poll({ upstreamId: 'nope', state: {}, request: { action: 'imagine', prompt: 'x' } }), 'not_found');
  });
});
