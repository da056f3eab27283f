/**
 * The `balance` job of the maintenance queue: reads every provider account that has a balance endpoint and stores it.
 * A job scheduler runs it every `balances.intervalMs` on one worker at a time; a `quota_exhausted` asks for one now.
 */
import { ProviderError } from '../../providers/types.js';
import type { Runtime } from '../runtime.js';

type Deps = Pick<Runtime, 'providers' | 'balances' | 'log'>;

export async function refreshBalances(rt: Deps): Promise<void> {
  const entries = [...rt.providers.entries.values()].filter((e) => e.adapter.balance !== undefined);
  await Promise.all(entries.map(async (e) => {
    try {
      const b = await e.adapter.balance!();
      await rt.balances.set(e.config.id, { usd: b.usd, low: b.low, checkedAt: new Date().toISOString() });
      const min = e.config.minBalanceUsd;
      if (min !== undefined && b.usd < min) rt.log.warn({ provider: e.config.id, balanceUsd: b.usd, minBalanceUsd: min }, 'provider balance below minBalanceUsd: root tasks prefer other providers');
    } catch (err) {
      // A balance that cannot be read keeps the last one: routing never depends on this call succeeding.
      const cls = err instanceof ProviderError ? err.kind : 'bug';
      rt.log.warn({ provider: e.config.id, class: cls, err: (err as Error).message }, 'balance not read');
    }
  }));
}

/** Asks for a balance read soon (deduplicated: one pending request at a time). Never throws. */
export function requestBalanceCheck(rt: Pick<Runtime, 'queues' | 'log'>): void {
  rt.queues.maintenance
    .add('balance', {}, { jobId: 'balance-now', removeOnComplete: true, removeOnFail: true })
    .catch((err: Error) => rt.log.warn({ err: err.message }, 'balance check not queued'));
}
