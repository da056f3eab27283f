/**
 * APIMart `GET /v1/balance` (providers.md §1, [D-repo]). Its answer is not documented [I]: the gateway reads a USD
 * number from `data.balance` or a top-level `balance` (also `remain_balance` / `total_available`), and the simulator
 * answers `{code: 200, data: {balance}}`. APIMart has no low-balance flag.
 */
import type { AccountBalance } from '../types.js';

export const APIMART_BALANCE_PATH = '/v1/balance';

const FIELDS = ['balance', 'remain_balance', 'total_available'] as const;

export function readApimartBalance(json: unknown): AccountBalance | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  for (const scope of [o.data, o]) {
    if (!scope || typeof scope !== 'object') continue;
    for (const f of FIELDS) {
      const raw = (scope as Record<string, unknown>)[f];
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (Number.isFinite(n)) return { usd: n, low: null };
    }
  }
  return undefined;
}
