import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { reconcile } from '../../src/services/reconcile.js';
import { recordWebhookEvent } from '../../src/services/webhooks.js';
import { canceled } from '../../src/domain/task.js';
import { api, startGateway, uniquePrefix, waitForTask, type TestGateway } from '../helpers/gateway.js';

const KEY = 'budget-tenant-key-0123456789';
const month = () => new Date().toISOString().slice(0, 7);

describe('monthly budgets and usage', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let apiOnly: TestGateway;
  const submit = (prompt: string, gateway = gw) => api(gateway.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt } });
  const usage = (gateway = gw, query = '') => api(gateway.url, 'GET', `/v1/usage${query}`, { key: KEY });
  /** Settling runs right after the final status is written: wait for it rather than race it. */
  const settled = async () => {
    for (let i = 0; i < 100 && (await usage()).body.totals.reservedUsd !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    return usage();
  };

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 150;
    const providers = [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }];
    // Legnext's list price of imagine is 80 points = $0.08: three fit in $0.25, a fourth does not.
    const tenants = [{ id: 'budgeted', apiKeys: [KEY], monthlyBudgetUsd: 0.25 }];
    gw = await startGateway({ providers, tenants });
    apiOnly = await startGateway({ providers, tenants, workers: false, keyPrefix: uniquePrefix() });
  });
  afterAll(async () => {
    await gw?.close();
    await apiOnly?.close();
    await sim?.close();
  });

  it('reserves at submit, refuses past the budget with 402, settles the reported cost and releases a failure', async () => {
    const a = await submit('one');
    const b = await submit('two [sim:fail]');
    const c = await submit('three');
    expect([a.status, b.status, c.status]).toEqual([202, 202, 202]);
    const refused = await submit('four');
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: 'budget_exceeded', details: { monthlyBudgetUsd: 0.25, estimateUsd: 0.08 } });
    expect(refused.body.error.message).toMatch(/monthly budget of \$0.25/);

    const tasks = await Promise.all([a, b, c].map((r) => waitForTask(gw.url, KEY, r.body.id)));
    expect(tasks.map((t) => t.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    const charged = tasks.filter((t) => t.status === 'succeeded').reduce((s, t) => s + t.cost!.amountUsd, 0);
    expect(charged).toBeCloseTo(0.16, 10);

    const u = (await settled()).body;
    expect(u.totals).toMatchObject({ submitted: 3, succeeded: 2, failed: 1, canceled: 0, costUsd: 0.16, reservedUsd: 0 });
    expect(u.byAction.imagine).toMatchObject({ submitted: 3, succeeded: 2, failed: 1, costUsd: 0.16 });
    expect(u.byProvider['legnext-main']).toMatchObject({ succeeded: 2, failed: 1, costUsd: 0.16 });
    expect(u.budget).toEqual({ month: month(), monthlyBudgetUsd: 0.25, spentUsd: 0.16, reservedUsd: 0, remainingUsd: 0.09 });

    // The failure's reservation came back: one more fits ($0.16 + $0.08 ≤ $0.25), the next does not.
    const idem = { 'idempotency-key': `five-${Date.now()}` };
    const d = await api(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'five' }, headers: idem });
    expect(d.status).toBe(202);
    expect((await submit('six')).status).toBe(402);
    // At the limit, a repeat of an accepted request still answers its task: it costs nothing new.
    const repeat = await api(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'five' }, headers: idem });
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(d.body.id);
    await waitForTask(gw.url, KEY, d.body.id);
    expect((await settled()).body.totals).toMatchObject({ submitted: 4, succeeded: 3, costUsd: 0.24, reservedUsd: 0 });
  });

  it('releases the reservation of a canceled task', async () => {
    const t = await submit('cancel me', apiOnly);
    expect((await usage(apiOnly)).body.totals).toMatchObject({ submitted: 1, reservedUsd: 0.08 });
    expect((await api(apiOnly.url, 'POST', `/v1/tasks/${t.body.id}/cancel`, { key: KEY })).status).toBe(200);
    const u = (await usage(apiOnly)).body;
    expect(u.totals).toMatchObject({ submitted: 1, canceled: 1, costUsd: 0, reservedUsd: 0 });
    expect(u.byProvider['(none)']).toMatchObject({ canceled: 1, costUsd: 0 });
    expect(u.budget.remainingUsd).toBe(0.25);
  });

  it('does not count an idempotent repeat twice', async () => {
    const headers = { 'idempotency-key': `budget-${Date.now()}` };
    const body = { action: 'imagine', prompt: 'idem' };
    await api(apiOnly.url, 'POST', '/v1/tasks', { key: KEY, body, headers });
    const again = await api(apiOnly.url, 'POST', '/v1/tasks', { key: KEY, body, headers });
    expect(again.status).toBe(200);
    expect((await usage(apiOnly)).body.totals).toMatchObject({ submitted: 2, reservedUsd: 0.08 });
  });

  it('reconciles a final task whose listeners never ran (a crash): settled once, final webhook recorded once', async () => {
    const t = await api(apiOnly.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'crash', callbackUrl: 'http://127.0.0.1:9/hook' } });
    const before = (await usage(apiOnly)).body.totals;
    // Write the final status the way a worker would, but "crash" before the listeners run.
    await apiOnly.rt.tasks.update(t.body.id, (r) => ({ ...r, task: canceled(r.task, 'canceled before a crash') }));
    expect((await usage(apiOnly)).body.totals.reservedUsd).toBe(before.reservedUsd);
    const later = Date.now() + 2 * 3600_000;
    expect(await reconcile(apiOnly.rt, later)).toBe(1);
    expect(await reconcile(apiOnly.rt, later)).toBe(0);
    const after = (await usage(apiOnly)).body.totals;
    expect(after).toMatchObject({ canceled: before.canceled + 1, reservedUsd: before.reservedUsd - 0.08 });
    await recordWebhookEvent(apiOnly.rt, (await apiOnly.rt.tasks.get(t.body.id))!); // a final event is recorded once
    const events = (await api(apiOnly.url, 'GET', `/v1/tasks/${t.body.id}/deliveries`, { key: KEY })).body.data;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['canceled']);
  });

  it('releases the reservation of a task whose record expired before the reconciler got to it, once', async () => {
    const t = await submit('expires', apiOnly);
    const before = (await usage(apiOnly)).body.totals;
    // The record is gone (retention passed while no worker ran): the reservation's member alone says what to release.
    await apiOnly.redis.del(apiOnly.keys.task(t.body.id));
    const later = Date.now() + 2 * 3600_000;
    expect(await reconcile(apiOnly.rt, later)).toBe(1);
    expect(await reconcile(apiOnly.rt, later)).toBe(0);
    const after = (await usage(apiOnly)).body;
    expect(after.totals).toMatchObject({ submitted: before.submitted, canceled: before.canceled, failed: before.failed });
    expect(after.totals.reservedUsd).toBeCloseTo(before.reservedUsd - 0.08, 9);
    expect(after.budget.reservedUsd).toBeCloseTo(before.reservedUsd - 0.08, 9);
  });

  it('keeps no key per reservation: it is a member of the open set, its amount in the task record', async () => {
    const t = await submit('layout', apiOnly);
    const { keys, redis } = apiOnly;
    const members = (await redis.zrange(keys.reservations, 0, -1)).filter((m) => m.startsWith(`${t.body.id}|`));
    expect(members).toEqual([`${t.body.id}|${t.body.createdAt.slice(0, 10)}|80000|budgeted|imagine`]);
    expect((await redis.get(keys.task(t.body.id)))!.split('\n')[0]).toBe('1|queued|budgeted|imagine|80000');
  });

  it('answers usage for a range of UTC days and refuses a bad range', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const r = await usage(gw, `?from=2020-01-01&to=2020-01-31`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ from: '2020-01-01', to: '2020-01-31', totals: { submitted: 0, costUsd: 0 }, byAction: {} });
    expect((await usage(gw, `?from=${today}&to=${today}`)).body.totals.submitted).toBe(4);
    expect((await usage(gw, `?from=${today}T23:59:59Z`)).body.from).toBe(today);
    expect((await usage(gw, '?from=2025-02-01&to=2025-01-01')).status).toBe(400);
    expect((await usage(gw, '?from=2020-01-01&to=2025-01-01')).body.error.message).toMatch(/366 days/);
    expect((await usage(gw, '?from=yesterday')).body.error.message).toMatch(/querystring\.from/);
    expect((await usage(gw, '?colour=red')).status).toBe(400);
  });
});
