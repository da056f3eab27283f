/**
 * What a task costs before the provider says: the config's `prices` (by provider id, then type) over the list prices
 * each provider folder declares (`providers/<type>/prices.ts`, through the registry). Used to reserve budget at
 * submit and to charge a success whose provider reported no cost.
 */
import { PROVIDERS, type ProviderType } from '../../providers/index.js';
import type { Action, ListPrices } from '../../providers/types.js';
import type { Config } from '../config.js';

/** List prices per provider type, as the registry holds them. */
export const LIST_PRICES_USD = Object.fromEntries(
  Object.entries(PROVIDERS).map(([type, module]) => [type, module.listPricesUsd]),
) as Record<ProviderType, ListPrices>;

/** The price of one `action` on the provider `providerId` (unknown providers: the highest list price of the action). */
export function priceUsd(config: Config, providerId: string, action: Action): number {
  const provider = config.providers.find((p) => p.id === providerId);
  const byId = config.prices[providerId]?.[action];
  if (byId !== undefined) return byId;
  if (!provider) return Math.max(0, ...Object.values(LIST_PRICES_USD).map((t) => t[action] ?? 0));
  // A type without a list price for the action cannot run it, so the router never sends it there: 0 never reserves.
  return config.prices[provider.type]?.[action] ?? LIST_PRICES_USD[provider.type][action] ?? 0;
}

/** The estimate reserved at submit: the dearest provider the task may end up on (failover can move it). */
export function estimateUsd(config: Config, providerIds: string[], action: Action): number {
  return providerIds.length === 0 ? 0 : Math.max(...providerIds.map((id) => priceUsd(config, id, action)));
}

/** Budgets are counted in micro-dollars: integers add up exactly in Redis. */
export const toMicros = (usd: number) => Math.round(usd * 1_000_000);
export const fromMicros = (micros: number) => Math.round(micros) / 1_000_000;
