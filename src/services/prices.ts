/**
 * What a task costs before the provider says: the config's `prices` (by provider id, then type) over the vendors'
 * list prices. Used to reserve budget at submit and to charge a success whose provider reported no cost.
 */
import type { Action, ProviderType } from '../../providers/types.js';
import type { Config } from '../config.js';

/** Legnext's frozen points per action (providers.md §3.2; 1000 points = $1). Zoom is Legnext's outpaint. */
const LEGNEXT_USD: Record<Action, number> = {
  imagine: 0.08, variation: 0.12, upscale: 0.12, reroll: 0.08, remix: 0.12, pan: 0.08, zoom: 0.08, inpaint: 0.12,
  blend: 0.08, describe: 0.02, shorten: 0.02, video: 0.48,
};

/**
 * List prices per provider type. The aggregator mirrors Legnext (its `usage.cost` samples match the points).
 * APIMart publishes no per-action USD table (it reports `cost` per finished task): the Legnext list is used as the
 * estimate until `prices.<id|apimart>` says otherwise; the settled amount is what APIMart reports.
 */
export const LIST_PRICES_USD: Record<ProviderType, Record<Action, number>> = {
  legnext: LEGNEXT_USD,
  aggregator: LEGNEXT_USD,
  apimart: LEGNEXT_USD,
};

/** The price of one `action` on the provider `providerId` (unknown providers: the highest list price of the action). */
export function priceUsd(config: Config, providerId: string, action: Action): number {
  const provider = config.providers.find((p) => p.id === providerId);
  const byId = config.prices[providerId]?.[action];
  if (byId !== undefined) return byId;
  if (!provider) return Math.max(...Object.values(LIST_PRICES_USD).map((t) => t[action]));
  return config.prices[provider.type]?.[action] ?? LIST_PRICES_USD[provider.type][action];
}

/** The estimate reserved at submit: the dearest provider the task may end up on (failover can move it). */
export function estimateUsd(config: Config, providerIds: string[], action: Action): number {
  return providerIds.length === 0 ? 0 : Math.max(...providerIds.map((id) => priceUsd(config, id, action)));
}

/** Budgets are counted in micro-dollars: integers add up exactly in Redis. */
export const toMicros = (usd: number) => Math.round(usd * 1_000_000);
export const fromMicros = (micros: number) => Math.round(micros) / 1_000_000;
