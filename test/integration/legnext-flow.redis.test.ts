import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAggregatorSimulator } from '../../providers/aggregator/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, freePort, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

const KEY = TENANT_A_KEY;

describe('a task through Legnext, end to end', () => {
  let sim: Simulator;
  let gw: TestGateway;
  const submit = async (body: Record<string, unknown>) => {
    const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body;
  };
  const run = async (body: Record<string, unknown>, timeoutMs?: number) => waitForTask(gw.url, KEY, (await submit(body)).id, timeoutMs);
  const sent = (path: string) => sim.state.requests.filter((r) => r.method === 'POST' && r.path === path).map((r) => r.body as Record<string, unknown>);

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }] });
  });
  afterEach(() => {
    sim.state.reset();
    sim.state.behaviour.jobDurationMs = 60;
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('runs imagine to succeeded with the grid, four images, seed and cost', async () => {
    sim.state.behaviour.jobDurationMs = 60;
    const t = await run({ action: 'imagine', prompt: 'a lighthouse --ar 16:9', metadata: { order: 'A-1' } });
    expect(t).toMatchObject({ status: 'succeeded', progress: 100, provider: 'legnext-main', error: null, metadata: { order: 'A-1' }, cost: { amountUsd: 0.08, reported: true } });
    expect(t.output!.imageUrls).toHaveLength(4);
    expect(t.output!.gridImageUrl).toMatch(/^https:\/\/cdn\.legnext\.sim\/temp\//);
    expect(t.output!.seed).toBe('1904983176');
    expect(t.upstreamId).toBe(sim.state.requests[0]!.body && [...sim.state.jobs.keys()][0]);
    expect(t.attempts).toEqual([expect.objectContaining({ provider: 'legnext-main', outcome: 'accepted', error: null })]);
    expect(t.submittedAt).not.toBeNull();
    expect(t.finishedAt).not.toBeNull();
    expect(sent('/api/v1/diffusion')).toEqual([{ text: 'a lighthouse --ar 16:9' }]);
  });

  it('lifts a speed flag out of the prompt and sends turbo the Legnext way', async () => {
    const t = await run({ action: 'imagine', prompt: 'a comet --turbo' });
    expect(t.status).toBe('succeeded');
    expect(sent('/api/v1/diffusion')).toEqual([{ text: 'a comet --turbo' }]);
    expect(t.input).toMatchObject({ prompt: 'a comet --turbo' });
  });

  it('sends variation, upscale and reroll with the parent job id, imageNo 0-3 and type', async () => {
    const parent = await run({ action: 'imagine', prompt: 'a castle' });
    const jobId = parent.upstreamId;
    const variation = await run({ action: 'variation', taskId: parent.id, index: 3, strength: 'strong' });
    const subtle = await run({ action: 'variation', taskId: parent.id, index: 1 });
    const upscale = await run({ action: 'upscale', taskId: parent.id, index: 4, mode: 'creative' });
    const reroll = await run({ action: 'reroll', taskId: parent.id });
    for (const t of [variation, subtle, upscale, reroll]) expect(t).toMatchObject({ status: 'succeeded', parentId: parent.id, provider: 'legnext-main' });
    expect(sent('/api/v1/variation')).toEqual([{ jobId, imageNo: 2, type: 1 }, { jobId, imageNo: 0, type: 0 }]);
    expect(sent('/api/v1/upscale')).toEqual([{ jobId, imageNo: 3, type: 1 }]);
    expect(sent('/api/v1/reroll')).toEqual([{ jobId }]);
    expect(upscale.output!.imageUrls).toHaveLength(1);
  });

  it('refuses a follow-up on a parent that has not succeeded (409)', async () => {
    sim.state.behaviour.jobDurationMs = 5000;
    const parent = await submit({ action: 'imagine', prompt: 'slow parent' });
    const res = await api(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'upscale', taskId: parent.id, index: 1 } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('parent_not_ready');
  });

  it('refuses a follow-up at a speed the parent provider cannot honour (422)', async () => {
    const parent = await run({ action: 'imagine', prompt: 'turbo parent' });
    const res = await api(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'upscale', taskId: parent.id, index: 1, speed: 'turbo' } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/must run on legnext-main/);
  });

  it('fails with upstream_error and the provider message when the job fails upstream', async () => {
    const t = await run({ action: 'imagine', prompt: 'a storm [sim:fail]' });
    expect(t.status).toBe('failed');
    expect(t.error).toMatchObject({ code: 'upstream_error', provider: 'legnext-main', upstream: { code: 500, message: expect.stringContaining('Generation process failed') } });
    expect(t.output).toBeNull();
  });

  it('fails fast with content_rejected when moderation refuses the prompt', async () => {
    const t = await run({ action: 'imagine', prompt: 'forbidden [sim:banned]' });
    expect(t.status).toBe('failed');
    expect(t.error?.code).toBe('content_rejected');
    expect(t.error?.message).toMatch(/Banned Prompt/);
  });

  it('fails with invalid_request, without retrying, when Legnext answers 400', async () => {
    sim.state.faults.push({ on: 'submit', status: 400, body: { code: 400, message: 'Invalid request parameters', raw_message: 'Invalid request parameters', detail: null } });
    const t = await run({ action: 'imagine', prompt: 'bad params' });
    expect(t.error).toMatchObject({ code: 'invalid_request', upstream: { status: 400, message: 'Invalid request parameters' } });
    expect(t.attempts).toHaveLength(1);
    expect(t.attempts[0]).toMatchObject({ outcome: 'rejected', error: { class: 'invalid_request' } });
  });

  it('retries a 503 on the same provider and then succeeds', async () => {
    sim.state.faults.push({ on: 'submit', status: 503 });
    const t = await run({ action: 'imagine', prompt: 'flaky' });
    expect(t.status).toBe('succeeded');
    expect(t.attempts.map((a) => a.outcome)).toEqual(['error', 'accepted']);
    expect(t.attempts[0]!.error).toMatchObject({ class: 'unavailable', upstream: { status: 503 } });
  });

  it('keeps polling through poll errors and still finishes', async () => {
    sim.state.behaviour.jobDurationMs = 150;
    sim.state.faults.push({ on: 'poll', status: 500, times: 2 }, { on: 'poll', malformed: true });
    const t = await run({ action: 'imagine', prompt: 'poll through errors' });
    expect(t.status).toBe('succeeded');
  });

  it('fails with upstream_error when the provider forgets the job', async () => {
    sim.state.behaviour.outcome = { kind: 'vanish' };
    const t = await run({ action: 'imagine', prompt: 'vanishing' });
    expect(t.error?.code).toBe('upstream_error');
    expect(t.error?.message).toMatch(/no longer knows job/);
  });
});

describe('deadlines and callbacks', () => {
  let sim: Simulator;
  let gw: TestGateway;
  // How long a test waits for a task: generous, as a loaded host takes seconds over the whole path (intake, submit,
  // the job, the callback, the read). The callback tests push the first scheduled read a minute out, so a task that
  // ends within WAIT_MS of its submit was read because of the callback.
  const WAIT_MS = 20_000;
  const SLOW_POLLING = { initialDelayMs: 60_000, maxDelayMs: 60_000, growth: 0.25, maxNotFound: 3 };

  afterEach(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('fails a task that never finishes upstream with timeout at its deadline', async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.outcome = { kind: 'never' };
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }], config: { deadlines: { imageMs: 600, videoMs: 600 } } });
    const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'forever' } });
    const t = await waitForTask(gw.url, KEY, res.body.id, WAIT_MS);
    expect(t.status).toBe('failed');
    expect(t.error?.code).toBe('timeout');
    expect(Date.parse(t.finishedAt!) - Date.parse(t.createdAt)).toBeGreaterThanOrEqual(600);
  }, 60_000);

  it('notices a finished job at once through the provider callback, with polling slowed to a minute', async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 300;
    const port = String(await freePort());
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
      config: { publicUrl: `http://127.0.0.1:${port}`, port: Number(port), polling: SLOW_POLLING },
    });
    const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'call me back' } });
    await waitForTask(gw.url, KEY, res.body.id, WAIT_MS, (t) => t.status !== 'queued');
    const sentBody = sim.state.requests[0]!.body as { callback: string };
    expect(sentBody.callback).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/v1/callbacks/legnext-main/[A-Za-z0-9_-]{32}$`));
    const t = await waitForTask(gw.url, KEY, res.body.id, WAIT_MS);
    expect(t.status).toBe('succeeded');
    expect(Date.parse(t.finishedAt!) - Date.parse(t.submittedAt!)).toBeLessThan(WAIT_MS);
    const forged = await api(gw.url, 'POST', '/v1/callbacks/legnext-main/not-a-real-token-000000000', { body: { data: { job_id: 'x', status: 'completed' } } });
    expect(forged.status).toBe(404);
  }, 60_000);

  it('takes the aggregator callback the same way: a wake-up, never a trusted body', async () => {
    sim = await startAggregatorSimulator({ apiKey: 'vk' });
    sim.state.behaviour.jobDurationMs = 300;
    const port = await freePort();
    gw = await startGateway({
      providers: [{ id: 'vtrix', type: 'aggregator', apiKey: 'vk', baseUrl: sim.url }],
      config: { publicUrl: `http://127.0.0.1:${port}`, port, polling: SLOW_POLLING },
    });
    const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'aggregator callback' } });
    const t = await waitForTask(gw.url, KEY, res.body.id, WAIT_MS);
    expect(t.status).toBe('succeeded');
    expect((sim.state.requests[0]!.body as { callback?: string }).callback).toContain('/v1/callbacks/vtrix/');
    // Polling alone would have waited a minute: the re-read came from the callback.
    expect(Date.parse(t.finishedAt!) - Date.parse(t.submittedAt!)).toBeLessThan(WAIT_MS);
  }, 60_000);
});
