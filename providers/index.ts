/** The explicit registry: provider type → adapter factory. A new provider is one folder and one line here. */
import { createAggregatorAdapter } from './aggregator/index.js';
import { createApimartAdapter } from './apimart/index.js';
import { createLegnextAdapter } from './legnext/index.js';
import type { AdapterFactory, ProviderType } from './types.js';

export const ADAPTERS: Record<ProviderType, AdapterFactory> = {
  legnext: createLegnextAdapter,
  apimart: createApimartAdapter,
  aggregator: createAggregatorAdapter,
};

export const DEFAULT_BASE_URLS: Record<ProviderType, string> = {
  legnext: 'https://api.legnext.ai/api',
  apimart: 'https://api.apimart.ai',
  aggregator: 'https://cloud.vtrix.ai',
};
