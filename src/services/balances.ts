/**
 * Provider balances for routing and metrics: which providers are under their `minBalanceUsd` (root tasks prefer the
 * others, as they would a closed circuit over an open one), and the gauges `/metrics` exports.
 */
import { Gauge } from 'prom-client';
import type { Runtime } from '../runtime.js';

/** The ids among `ids` whose last read balance is below their `minBalanceUsd` (unread or unset: never low). */
export async function lowBalance(rt: Pick<Runtime, 'providers' | 'balances'>, ids: string[]): Promise<Set<string>> {
  const watched = ids.filter((id) => rt.providers.get(id)?.config.minBalanceUsd !== undefined);
  if (watched.length === 0) return new Set();
  const read = await rt.balances.read(watched);
  return new Set(watched.filter((id, i) => read[i] !== null && read[i]!.usd < rt.providers.get(id)!.config.minBalanceUsd!));
}

/** Each provider's balance for `/v1/providers`: `low` when under `minBalanceUsd` or flagged by the provider. */
export async function balancesOf(rt: Pick<Runtime, 'providers' | 'balances'>, ids: string[]): Promise<Array<{ usd: number; low: boolean; checkedAt: string } | null>> {
  const [read, low] = await Promise.all([rt.balances.read(ids), lowBalance(rt, ids)]);
  return read.map((b, i) => (b ? { usd: b.usd, low: low.has(ids[i]!) || b.low === true, checkedAt: b.checkedAt } : null));
}

export function registerBalanceGauges(rt: Pick<Runtime, 'metrics' | 'providers' | 'balances'>): void {
  const ids = () => [...rt.providers.entries.values()].filter((e) => e.adapter.balance !== undefined).map((e) => e.config.id);
  const r = [rt.metrics.registry];
  new Gauge({
    name: 'mjg_provider_balance_usd', help: 'Provider account balance in USD, as last read', labelNames: ['provider'], registers: r,
    async collect() {
      const list = ids();
      const read = await rt.balances.read(list);
      this.reset();
      list.forEach((provider, i) => read[i] && this.set({ provider }, read[i].usd));
    },
  });
  new Gauge({
    name: 'mjg_provider_balance_low', help: '1 when the balance is under minBalanceUsd or the provider flags it low', labelNames: ['provider'], registers: r,
    async collect() {
      const list = ids();
      const [read, low] = await Promise.all([rt.balances.read(list), lowBalance(rt, list)]);
      this.reset();
      list.forEach((provider, i) => read[i] && this.set({ provider }, low.has(provider) || read[i].low === true ? 1 : 0));
    },
  });
}
