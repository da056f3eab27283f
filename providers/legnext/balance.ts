/** Legnext `GET /account/balance`: `{code, message, data: {balance_usd, low_balance_alert, …}}` (docs ~line 3459). */
import type { AccountBalance } from '../types.js';

export function readLegnextBalance(json: unknown): AccountBalance | undefined {
  const data = (json as { data?: Record<string, unknown> } | null)?.data;
  if (!data || typeof data.balance_usd !== 'number' || !Number.isFinite(data.balance_usd)) return undefined;
  return { usd: data.balance_usd, low: typeof data.low_balance_alert === 'boolean' ? data.low_balance_alert : null };
}

/** The simulator's answer, shaped as the documented example. */
export function legnextBalanceBody(account: { balanceUsd: number; alertThresholdUsd: number }): Record<string, unknown> {
  const usd = Math.round(account.balanceUsd * 1000) / 1000;
  return {
    code: 200,
    data: {
      account_id: 1, balance_usd: usd, available_credits: Math.floor(usd * 1000), available_points: 0,
      alert_threshold: account.alertThresholdUsd, low_balance_alert: usd < account.alertThresholdUsd, updated_at: new Date().toISOString(),
    },
    message: 'success',
  };
}
