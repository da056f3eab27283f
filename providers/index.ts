/**
 * The explicit registry: provider type → its module (factory, default base URL, env names, list prices).
 * A new provider is one folder and one line here; the list of types is derived from it.
 */
import { aggregator } from './aggregator/index.js';
import { apimart } from './apimart/index.js';
import { legnext } from './legnext/index.js';
import type { ProviderModule } from './types.js';

export const PROVIDERS = { legnext, apimart, aggregator } satisfies Record<string, ProviderModule>;

export type ProviderType = keyof typeof PROVIDERS;
/** Registry order (also the order of the `type` enum in config and the OpenAPI document). */
export const PROVIDER_TYPES = Object.keys(PROVIDERS) as [ProviderType, ...ProviderType[]];

export const isProviderType = (value: string): value is ProviderType => Object.hasOwn(PROVIDERS, value);
