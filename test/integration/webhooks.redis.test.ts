import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, sleep, startGateway, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { startReceiver, type Received, type Receiver } from '../helpers/receiver.js';

const SECRET = 'whsec-test-0123456789abcdef';
const KEY = 'hooks-tenant-key-0123456789';
const DEFAULT_KEY = 'hooks-default-key-0123456789';

/** The README's verification snippet, as a receiver would run it. */
function verify(secret: string, header: string, body: string, toleranceSec = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(parts.t)) <= toleranceSec;
}

async function until<T>(what: () => T | undefined, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe('webhooks to clients', () => {
  let sim: Simulator;
  let rx: Receiver;
  let gw: TestGateway;
  const submit = (body: Record<string, unknown>, key = KEY) => api(gw.url, 'POST', '/v1/tasks', { key, body: { action: 'imagine', ...body } });
  const forPath = (path: string) => rx.received.filter((r) => r.path === path);
  const delivered = (path: string) => forPath(path).filter((r) => r.answered < 300);

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 400;
    rx = await startReceiver();
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
      tenants: [
        { id: 'hooks', apiKeys: [KEY], webhookSecret: SECRET },
        { id: 'hooks-default', apiKeys: [DEFAULT_KEY], webhookUrl: `${rx.url}/tenant-default` },
      ],
    });
  });
  afterAll(async () => {
    await gw?.close();
    await rx?.close();
    await sim?.close();
  });

  it('POSTs the Task JSON on running and succeeded, signed with the tenant secret', async () => {
    const res = await submit({ prompt: 'signed', callbackUrl: `${rx.url}/signed` });
    const task = await waitForTask(gw.url, KEY, res.body.id);
    const hooks = await until(() => (delivered('/signed').length >= 2 ? delivered('/signed') : undefined));
    expect(hooks.map((h) => h.headers['x-mjg-event'])).toEqual(['running', 'succeeded']);
    for (const h of hooks) {
      expect(h.headers['content-type']).toBe('application/json');
      expect(verify(SECRET, String(h.headers['x-mjg-signature']), h.body)).toBe(true);
      expect(verify('another-secret-0123456789', String(h.headers['x-mjg-signature']), h.body)).toBe(false);
      expect(String(h.headers['x-mjg-event-id'])).toMatch(/^evt_/);
    }
    expect(JSON.parse(hooks[1]!.body)).toEqual(task);
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({ id: task.id, status: 'running' });
  });

  it('retries 500s with backoff until delivered, with the same event id, and logs every attempt', async () => {
    rx.script.set('/flaky', [500, 500, 500, 200]);
    const res = await submit({ prompt: 'flaky', callbackUrl: `${rx.url}/flaky` });
    await waitForTask(gw.url, KEY, res.body.id);
    await until(() => (delivered('/flaky').length >= 2 ? true : undefined));
    const calls = forPath('/flaky');
    const first = calls.filter((c) => c.headers['x-mjg-event-id'] === calls[0]!.headers['x-mjg-event-id']);
    expect(first.map((c) => c.answered)).toEqual([500, 500, 500, 200]);
    expect(first.map((c) => c.headers['x-mjg-attempt'])).toEqual(['1', '2', '3', '4']);
    // Backoff: the gaps grow (20 ms base doubling, with jitter of 50-100 %).
    expect(first[3]!.at - first[0]!.at).toBeGreaterThanOrEqual(10 + 20 + 40);

    const log = await api(gw.url, 'GET', `/v1/tasks/${res.body.id}/deliveries`, { key: KEY });
    expect(log.status).toBe(200);
    const [running, succeeded] = log.body.data;
    expect(running).toMatchObject({ type: 'running', state: 'delivered', id: calls[0]!.headers['x-mjg-event-id'] });
    expect(running.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 500, 200]);
    expect(running.attempts[0]).toMatchObject({ n: 1, error: 'answered 500' });
    expect(succeeded).toMatchObject({ type: 'succeeded', state: 'delivered' });
    expect(log.body.data[0].tenantId).toBeUndefined();
  });

  it('never lets a later event overtake an earlier one', async () => {
    // The running event fails for a while; the task succeeds meanwhile; succeeded must still come second.
    rx.script.set('/ordered', [503, 503, 503, 503, 503, 503, 503, 200]);
    const res = await submit({ prompt: 'ordered', callbackUrl: `${rx.url}/ordered` });
    await waitForTask(gw.url, KEY, res.body.id);
    const hooks = await until(() => (delivered('/ordered').length >= 2 ? delivered('/ordered') : undefined));
    const firstDelivery = (type: string) => forPath('/ordered').findIndex((h) => h.headers['x-mjg-event'] === type);
    expect(hooks.map((h) => h.headers['x-mjg-event'])).toEqual(['running', 'succeeded']);
    expect(firstDelivery('succeeded')).toBeGreaterThan(forPath('/ordered').findIndex((h) => h.answered === 200));
    // The test means something only if succeeded was ready while running was still failing.
    const log = (await api(gw.url, 'GET', `/v1/tasks/${res.body.id}/deliveries`, { key: KEY })).body.data;
    expect(Date.parse(log[1].createdAt)).toBeLessThan(Date.parse(log[0].deliveredAt));
  });

  it("uses the tenant's default webhookUrl, unsigned when the tenant has no secret", async () => {
    const res = await submit({ prompt: 'default url' }, DEFAULT_KEY);
    await waitForTask(gw.url, DEFAULT_KEY, res.body.id);
    const hooks: Received[] = await until(() => (delivered('/tenant-default').length >= 2 ? delivered('/tenant-default') : undefined));
    expect(JSON.parse(hooks[1]!.body).id).toBe(res.body.id);
    expect(hooks[0]!.headers['x-mjg-signature']).toBeUndefined();
  });

  it('sends failed with the error, and answers 404 for the delivery log of another tenant', async () => {
    const res = await submit({ prompt: 'broken [sim:fail]', callbackUrl: `${rx.url}/failed` });
    await waitForTask(gw.url, KEY, res.body.id);
    const last = await until(() => delivered('/failed').find((h) => h.headers['x-mjg-event'] === 'failed'));
    expect(JSON.parse(last.body)).toMatchObject({ status: 'failed', error: { code: 'upstream_error' } });
    const other = await api(gw.url, 'GET', `/v1/tasks/${res.body.id}/deliveries`, { key: DEFAULT_KEY });
    expect(other.status).toBe(404);
  });

  it('gives an event up after webhooks.maxAgeMs and moves on to the next', async () => {
    const short = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
      tenants: [{ id: 'hooks', apiKeys: [KEY], webhookSecret: SECRET }],
      config: { webhooks: { timeoutMs: 1000, baseDelayMs: 20, maxDelayMs: 50, maxAgeMs: 250 } },
    });
    try {
      rx.script.set('/down', [500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 200]);
      const res = await api(short.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'down', callbackUrl: `${rx.url}/down` } });
      await waitForTask(short.url, KEY, res.body.id);
      const events = await (async () => {
        const end = Date.now() + 8000;
        for (;;) {
          const r = await api(short.url, 'GET', `/v1/tasks/${res.body.id}/deliveries`, { key: KEY });
          if (r.body.data.length >= 2 && r.body.data.every((e: { state: string }) => e.state !== 'pending')) return r.body.data;
          if (Date.now() > end) throw new Error(JSON.stringify(r.body));
          await sleep(50);
        }
      })();
      expect(events[0]).toMatchObject({ type: 'running', state: 'failed', nextAttemptAt: null });
      expect(events[0].attempts.length).toBeGreaterThan(1);
      expect(events[1].type).toBe('succeeded');
    } finally {
      await short.close();
    }
  });
});
