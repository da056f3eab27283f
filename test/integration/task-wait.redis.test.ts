import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, startGateway, TENANT_A_KEY, TENANT_B_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

const imagine = (prompt = 'a lighthouse at dusk') => ({ action: 'imagine', prompt });

describe('Prefer: wait on submit and read', () => {
  let sim: Simulator;
  let gw: TestGateway;

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 300;
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }] });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('holds a submit until the task is final and says the preference was applied', async () => {
    const res = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine(), headers: { prefer: 'wait=20' } });
    expect(res.status).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=20');
    expect(res.headers.location).toBe(`/v1/tasks/${res.body.id}`);
    expect(res.body.status).toBe('succeeded');
    expect(res.body.output.imageUrls).toHaveLength(4);
  });

  it('holds a read of a running task until it is final', async () => {
    const sub = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine() });
    expect(sub.body.status).toBe('queued');
    expect(sub.headers['preference-applied']).toBeUndefined();
    const res = await api(gw.url, 'GET', `/v1/tasks/${sub.body.id}`, { key: TENANT_A_KEY, headers: { prefer: 'respond-async, wait=20' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('succeeded');
  });

  it('answers with the task as it stands when the wait runs out', async () => {
    const started = Date.now();
    const res = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine('[sim:never] forever'), headers: { prefer: 'wait=1' } });
    const took = Date.now() - started;
    expect(res.status).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=1');
    expect(['queued', 'submitted', 'running']).toContain(res.body.status);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(8000);
  });

  it('caps the wait at 60 seconds', async () => {
    const sub = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine() });
    await waitForTask(gw.url, TENANT_A_KEY, sub.body.id);
    const res = await api(gw.url, 'GET', `/v1/tasks/${sub.body.id}`, { key: TENANT_A_KEY, headers: { prefer: 'wait=600' } });
    expect(res.headers['preference-applied']).toBe('wait=60');
    expect(res.body.status).toBe('succeeded');
  });

  it('does not hold or reveal another tenant\'s task', async () => {
    const sub = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine('[sim:never] mine') });
    const res = await api(gw.url, 'GET', `/v1/tasks/${sub.body.id}`, { key: TENANT_B_KEY, headers: { prefer: 'wait=5' } });
    expect(res.status).toBe(404);
  });

  it('marks an idempotent replay and points at the task', async () => {
    const headers = { 'idempotency-key': `k-${Date.now()}` };
    const first = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine('replayed'), headers });
    const again = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine('replayed'), headers });
    expect(first.status).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(`/v1/tasks/${first.body.id}`);
  });

  it('wakes many waiters from one Redis subscription', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, async () => (await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine() })).body.id as string));
    const waits = ids.flatMap((id) => Array.from({ length: 20 }, () => api(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_A_KEY, headers: { prefer: 'wait=30' } })));
    await new Promise((r) => setTimeout(r, 100));
    const [, subscribers] = (await gw.redis.pubsub('NUMSUB', gw.keys.taskChanges)) as [string, number];
    expect(subscribers).toBe(1);
    const answers = await Promise.all(waits);
    expect(answers.every((a) => a.status === 200 && a.body.status === 'succeeded')).toBe(true);
    expect(gw.app.taskWatch.size).toBe(0);
  });
});

/** Reads an SSE body until it ends or `stopWhen` says so; returns the raw text. */
async function readStream(body: AsyncIterable<Buffer>, stopWhen: (text: string) => boolean = () => false): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += chunk.toString('utf8');
    if (stopWhen(text)) break;
  }
  return text;
}

const events = (text: string) => text.split('\n\n').filter((b) => b.includes('event: task')).map((b) => ({
  id: Number(/^id: (\d+)$/m.exec(b)?.[1]),
  task: JSON.parse(/^data: (.*)$/m.exec(b)![1]!) as { status: string; progress: number },
}));

describe('GET /v1/tasks/{id}/events', () => {
  let sim: Simulator;
  let gw: TestGateway;
  const stream = (id: string, headers: Record<string, string> = {}, key = TENANT_A_KEY) =>
    request(`${gw.url}/v1/tasks/${id}/events`, { headers: { authorization: `Bearer ${key}`, ...headers } });

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 400;
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }], config: { streams: { heartbeatMs: 100 } } });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('sends one event per change, in order, and ends after the final one', async () => {
    const sub = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine() });
    const res = await stream(sub.body.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const list = events(await readStream(res.body));
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list.at(-1)!.task.status).toBe('succeeded');
    const ids = list.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resumes after Last-Event-ID: nothing already seen is sent again', async () => {
    const sub = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine() });
    const all = events(await readStream((await stream(sub.body.id)).body));
    const last = all.at(-1)!.id;
    const again = await readStream((await stream(sub.body.id, { 'last-event-id': String(last) })).body);
    expect(events(again)).toEqual([]);
    const before = await readStream((await stream(sub.body.id, { 'last-event-id': String(last - 1) })).body);
    expect(events(before).map((e) => e.id)).toEqual([last]);
  });

  it('sends heartbeats while nothing changes and drops the watch when the client goes', async () => {
    const sub = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine('[sim:never] idle') });
    const res = await stream(sub.body.id);
    const text = await readStream(res.body, (t) => (t.match(/: keep-alive/g) ?? []).length >= 2);
    expect(text).toContain(': keep-alive');
    expect(gw.app.taskWatch.size).toBeGreaterThan(0);
    res.body.destroy();
    const end = Date.now() + 5000;
    while (gw.app.taskWatch.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(gw.app.taskWatch.size).toBe(0);
  });

  it('answers 404 for another tenant\'s task', async () => {
    const sub = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine() });
    const res = await stream(sub.body.id, {}, TENANT_B_KEY);
    expect(res.statusCode).toBe(404);
    expect((await res.body.json() as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('on shutdown', () => {
  it('answers held requests and ends open streams cleanly', async () => {
    const sim = await startLegnextSimulator({ apiKey: 'lk' });
    const gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }] });
    try {
      const sub = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: imagine('[sim:never] held') });
      const held = api(gw.url, 'GET', `/v1/tasks/${sub.body.id}`, { key: TENANT_A_KEY, headers: { prefer: 'wait=50' } });
      const res = await request(`${gw.url}/v1/tasks/${sub.body.id}/events`, { headers: { authorization: `Bearer ${TENANT_A_KEY}` } });
      const text = readStream(res.body);
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      await gw.app.close();
      const answer = await held;
      expect(answer.status).toBe(200);
      expect(answer.body.id).toBe(sub.body.id);
      expect(events(await text).length).toBeGreaterThanOrEqual(1);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await gw.close();
      await sim.close();
    }
  });
});
