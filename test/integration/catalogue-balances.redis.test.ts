import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAggregatorSimulator } from '../../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { taskClient } from '../helpers/tasks.js';

const KEY = TENANT_A_KEY;
type Balance = { usd: number; low: boolean; checkedAt: string } | null;

describe('provider balances', () => {
  let legnext: Simulator;
  let vtrix: Simulator;
  let gw: TestGateway;
  const balanceOf = async (id: string): Promise<Balance> => {
    const res = await api<{ data: Array<{ id: string; health: { balance: Balance } }> }>(gw.url, 'GET', '/v1/providers', { key: KEY });
    return res.body.data.find((p) => p.id === id)!.health.balance;
  };
  /** Waits for a balance read that shows `usd` (any, when undefined), as the scheduled job makes them. */
  const nextBalance = async (id: string, usd?: number, timeoutMs = 10_000): Promise<NonNullable<Balance>> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const b = await balanceOf(id);
      if (b && (usd === undefined || b.usd === usd)) return b;
      if (Date.now() > end) throw new Error(`no balance read of ${id} showing ${usd}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const { run } = taskClient(() => gw);

  beforeAll(async () => {
    legnext = await startLegnextSimulator({ apiKey: 'lk' });
    vtrix = await startAggregatorSimulator({ apiKey: 'vk' });
    for (const sim of [legnext, vtrix]) sim.state.behaviour.jobDurationMs = 50;
    gw = await startGateway({
      providers: [
        { id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${legnext.url}/api`, priority: 1, minBalanceUsd: 50 },
        { id: 'vtrix', type: 'aggregator', apiKey: 'vk', baseUrl: vtrix.url, priority: 2 },
      ],
      config: { balances: { intervalMs: 300 } },
    });
  });
  afterEach(() => {
    legnext.state.account.balanceUsd = 72.048;
    legnext.state.faults = [];
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([legnext, vtrix].map((s) => s?.close()));
  });

  it('reads Legnext\'s account balance on a schedule and shows it on /v1/providers and /metrics', async () => {
    const b = await nextBalance('legnext-main');
    expect(b).toMatchObject({ usd: expect.any(Number), low: false });
    expect(b.usd).toBeGreaterThan(50);
    expect(await balanceOf('vtrix')).toBeNull();
    expect(legnext.state.requests.some((r) => r.method === 'GET' && r.path === '/api/account/balance')).toBe(true);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/mjg_provider_balance_usd\{provider="legnext-main"\} \d+(\.\d+)?/);
    expect(text).toMatch(/mjg_provider_balance_low\{provider="legnext-main"\} 0/);
  });

  it('sends root tasks elsewhere while the balance is under minBalanceUsd, and back once it recovers', async () => {
    legnext.state.account.balanceUsd = 12.5;
    const low = await nextBalance('legnext-main', 12.5);
    expect(low).toMatchObject({ usd: 12.5, low: true });
    const moved = await run({ action: 'imagine', prompt: 'on a budget' });
    expect(moved).toMatchObject({ status: 'succeeded', provider: 'vtrix' });
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(/mjg_low_balance_skips_total\{provider="legnext-main"\} [1-9]/);

    legnext.state.account.balanceUsd = 90;
    await nextBalance('legnext-main', 90);
    const back = await run({ action: 'imagine', prompt: 'topped up' });
    expect(back).toMatchObject({ status: 'succeeded', provider: 'legnext-main' });
  });

  it('still uses the low provider when it is the only one that can run the action', async () => {
    legnext.state.account.balanceUsd = 5;
    await nextBalance('legnext-main', 5);
    const t = await run({ action: 'remove_background', imageUrl: 'https://images.example.com/a.png' });
    expect(t).toMatchObject({ status: 'succeeded', provider: 'legnext-main' });
  });
});

describe('APIMart balances', () => {
  it('reads GET /v1/balance into health.balance', async () => {
    const apimart = await startApimartSimulator({ apiKey: 'ak' });
    apimart.state.account.balanceUsd = 31.5;
    const gw = await startGateway({ providers: [{ id: 'apimart', type: 'apimart', apiKey: 'ak', baseUrl: apimart.url, minBalanceUsd: 40 }], config: { balances: { intervalMs: 300 } } });
    try {
      const end = Date.now() + 10_000;
      let balance: Balance = null;
      while (!balance && Date.now() < end) {
        const res = await api<{ data: Array<{ health: { balance: Balance } }> }>(gw.url, 'GET', '/v1/providers', { key: KEY });
        balance = res.body.data[0]!.health.balance;
        if (!balance) await new Promise((r) => setTimeout(r, 50));
      }
      expect(balance).toMatchObject({ usd: 31.5, low: true });
    } finally {
      await gw.close();
      await apimart.close();
    }
  });
});

describe('a quota_exhausted answer', () => {
  it('asks for a balance read at once, whatever the schedule', async () => {
    const legnext = await startLegnextSimulator({ apiKey: 'lk' });
    const vtrix = await startAggregatorSimulator({ apiKey: 'vk' });
    const gw = await startGateway({
      providers: [
        { id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${legnext.url}/api`, priority: 1 },
        { id: 'vtrix', type: 'aggregator', apiKey: 'vk', baseUrl: vtrix.url, priority: 2 },
      ],
      config: { balances: { intervalMs: 3_600_000 } },
    });
    try {
      // The schedule's first run (if any) comes at start-up: let it pass, then count reads from here.
      await new Promise((r) => setTimeout(r, 500));
      const before = legnext.state.requests.filter((r) => r.path === '/api/account/balance').length;
      legnext.state.faults = [{ on: 'submit', status: 402, body: { code: 402, message: 'Insufficient credits' } }];
      const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'broke' } });
      const t = await waitForTask(gw.url, TENANT_A_KEY, res.body.id);
      expect(t).toMatchObject({ status: 'succeeded', provider: 'vtrix' });
      const end = Date.now() + 10_000;
      while (legnext.state.requests.filter((r) => r.path === '/api/account/balance').length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(legnext.state.requests.filter((r) => r.path === '/api/account/balance').length).toBeGreaterThan(before);
    } finally {
      await gw.close();
      await Promise.all([legnext.close(), vtrix.close()]);
    }
  });
});
