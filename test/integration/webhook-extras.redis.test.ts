import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, sleep, startGateway, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const SECRET = 'whsec-extras-0123456789abcdef';
const KEY = 'extras-tenant-key-0123456789';
const OTHER = 'extras-other-key-0123456789';
const ADMIN = 'admin-token-0123456789abcdef';

const signed = (header: string | string[] | undefined, body: string) => {
  const parts = Object.fromEntries(String(header).split(',').map((p) => p.split('=') as [string, string]));
  return parts.v1 === createHmac('sha256', SECRET).update(`${parts.t}.${body}`).digest('hex');
};

async function until<T>(what: () => T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe('webhook event selection, redelivery and the admin test event', () => {
  let sim: Simulator;
  let rx: Receiver;
  let gw: TestGateway;
  const submit = (body: Record<string, unknown>) => api(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'hooked', ...body } });

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 300;
    rx = await startReceiver();
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
      tenants: [{ id: 'extras', apiKeys: [KEY], webhookSecret: SECRET, webhookUrl: `${rx.url}/tenant` }, { id: 'other', apiKeys: [OTHER] }],
      config: { adminToken: ADMIN },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await rx?.close();
    await sim?.close();
  });

  it('sends only the events a task selected', async () => {
    const res = await submit({ callbackUrl: `${rx.url}/final-only`, webhookEvents: ['succeeded', 'failed'] });
    expect(res.status).toBe(202);
    await waitForTask(gw.url, KEY, res.body.id);
    const got = await until(() => rx.received.filter((r) => r.path === '/final-only').length > 0 && rx.received.filter((r) => r.path === '/final-only'));
    await sleep(300);
    expect(got.map((r) => r.headers['x-mjg-event'])).toEqual(['succeeded']);
    const log = await api(gw.url, 'GET', `/v1/tasks/${res.body.id}/deliveries`, { key: KEY });
    expect(log.body.data.map((d: { type: string }) => d.type)).toEqual(['succeeded']);
  });

  it('refuses an unknown event name', async () => {
    const res = await submit({ webhookEvents: ['done'] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/webhookEvents/);
  });

  it('redelivers a final event now, signed, and logs the attempt', async () => {
    const res = await submit({ callbackUrl: `${rx.url}/again` });
    await waitForTask(gw.url, KEY, res.body.id);
    const path = `/v1/tasks/${res.body.id}/deliveries`;
    let events: Array<{ id: string; type: string; state: string; attempts: unknown[] }> = [];
    const end = Date.now() + 8000;
    while (Date.now() < end) {
      events = (await api(gw.url, 'GET', path, { key: KEY })).body.data;
      if (events.some((e) => e.type === 'succeeded' && e.state === 'delivered')) break;
      await sleep(30);
    }
    const ev = events.find((e) => e.type === 'succeeded')!;
    const before = rx.received.filter((r) => r.path === '/again').length;
    const out = await api(gw.url, 'POST', `${path}/${ev.id}/redeliver`, { key: KEY });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ id: ev.id, state: 'delivered' });
    expect(out.body.attempts).toHaveLength(ev.attempts.length + 1);
    const sent = rx.received.filter((r) => r.path === '/again');
    expect(sent).toHaveLength(before + 1);
    const last = sent.at(-1)!;
    expect(last.headers).toMatchObject({ 'x-mjg-event-id': ev.id, 'x-mjg-redelivery': 'true' });
    expect(JSON.parse(last.body)).toMatchObject({ id: res.body.id, status: 'succeeded' });
    expect(signed(last.headers['x-mjg-signature'], last.body)).toBe(true);
  });

  it('answers 404 for an unknown event and for another tenant\'s task', async () => {
    const res = await submit({});
    await waitForTask(gw.url, KEY, res.body.id);
    expect((await api(gw.url, 'POST', `/v1/tasks/${res.body.id}/deliveries/evt_nope_1/redeliver`, { key: KEY })).status).toBe(404);
    const id = `evt_${res.body.id.slice(4)}_1`;
    expect((await api(gw.url, 'POST', `/v1/tasks/${res.body.id}/deliveries/${id}/redeliver`, { key: OTHER })).status).toBe(404);
  });

  it('sends the admin test event to the tenant webhook URL, signed', async () => {
    const res = await api(gw.url, 'POST', '/admin/tenants/extras/webhook-test', { key: ADMIN });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ url: `${rx.url}/tenant`, statusCode: 200, error: null });
    const got = rx.received.find((r) => r.headers['x-mjg-event-id'] === res.body.eventId)!;
    expect(JSON.parse(got.body)).toMatchObject({ type: 'test', tenantId: 'extras' });
    expect(signed(got.headers['x-mjg-signature'], got.body)).toBe(true);
  });

  it('reports what a failing receiver answered, and refuses a tenant with no URL', async () => {
    rx.script.set('/broken', [503]);
    const res = await api(gw.url, 'POST', '/admin/tenants/extras/webhook-test', { key: ADMIN, body: { url: `${rx.url}/broken` } });
    expect(res.body).toMatchObject({ statusCode: 503, error: 'answered 503' });
    const none = await api(gw.url, 'POST', '/admin/tenants/other/webhook-test', { key: ADMIN });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/webhookUrl/);
    expect((await api(gw.url, 'POST', '/admin/tenants/extras/webhook-test', { key: KEY })).status).toBe(403);
  });
});
