/**
 * Final webhooks after a crash, and callback URLs that refuse for good: a final write whose process died before its
 * follow-ups still gets its webhook within one sweep period; a 4xx (not 408/429) is given up at once, not for 24 h.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { failTask } from '../../src/domain/task.js';
import type { Task } from '../../src/schemas/task.js';
import { api, sleep, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

async function until(what: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await sleep(25);
  }
}

describe('final webhooks', () => {
  let gw: TestGateway;
  let rx: Receiver;
  let sim: Simulator | undefined;
  afterEach(async () => {
    await gw?.close();
    await rx?.close();
    await sim?.close();
  });

  it('are sent within one sweep period when the process that ended the task died before recording them', async () => {
    rx = await startReceiver();
    gw = await startGateway({ workers: false, providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }] });
    const task = (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'x', callbackUrl: `${rx.url}/lost` } })).body;
    // The store's write alone: no listener runs, as when the writer is killed right after it.
    await gw.rt.tasks.update(task.id, (r) => failTask(r, 'upstream_error', 'ended just before a crash'));
    const endedAt = Date.now();
    await gw.startWorkers();
    await until(() => rx.received.some((r) => r.path === '/lost'), 20_000);
    const hook = rx.received.find((r) => r.path === '/lost')!;
    expect(hook.headers['x-mjg-event']).toBe('failed');
    // Grace (3 s) + sweep period (0.5 s here) + lock period (2 s here), with room for a loaded machine.
    expect(hook.at - endedAt).toBeLessThan(12_000);
    expect(await gw.redis.zcard(gw.keys.finals)).toBe(0);
  }, 30_000);

  it('are not left on the follow-up list when the transition ran its listeners', async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    rx = await startReceiver();
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }] });
    const task = (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'x', callbackUrl: `${rx.url}/ok` } })).body;
    expect((await waitForTask(gw.url, TENANT_A_KEY, task.id)).status).toBe('succeeded');
    await until(() => rx.received.filter((r) => r.path === '/ok').length === 2, 10_000);
    expect(await gw.redis.zscore(gw.keys.finals, task.id)).toBeNull();
  }, 30_000);

  it('gives up at once on a permanent refusal and says so; keeps retrying a 429', async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 100;
    rx = await startReceiver();
    rx.script.set('/gone', [410]);
    rx.script.set('/busy', [429, 429, 200]);
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }] });
    const submit = async (path: string) => (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: path, callbackUrl: `${rx.url}${path}` } })).body;
    const gone = await submit('/gone');
    const busy = await submit('/busy');
    await waitForTask(gw.url, TENANT_A_KEY, gone.id);
    await waitForTask(gw.url, TENANT_A_KEY, busy.id);
    await until(() => rx.received.filter((r) => r.path === '/busy' && r.answered === 200).length === 2, 15_000);
    await until(() => rx.received.filter((r) => r.path === '/gone').length === 2, 15_000);
    await sleep(500); // room for a retry that must not come
    expect(rx.received.filter((r) => r.path === '/gone')).toHaveLength(2); // running, then the final event: one try each
    const log = (await api(gw.url, 'GET', `/v1/tasks/${gone.id}/deliveries`, { key: TENANT_A_KEY })).body;
    const events = (log.data ?? log) as Array<{ state: string; attempts: Array<{ error: string }> }>;
    expect(events.map((e) => e.state)).toEqual(['failed', 'failed']);
    expect(events[0]!.attempts).toHaveLength(1);
    expect(events[0]!.attempts[0]!.error).toMatch(/answered 410: a permanent refusal, not retried/);
  }, 40_000);
});
