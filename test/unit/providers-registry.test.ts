import { describe, expect, it } from 'vitest';
import { PROVIDER_TYPES, PROVIDERS } from '../../providers/index.js';
import { ACTIONS } from '../../providers/types.js';
import { parseConfig } from '../../src/config.js';
import { LIST_PRICES_USD, priceUsd } from '../../src/services/prices.js';

const types = Object.keys(PROVIDERS) as Array<keyof typeof PROVIDERS>;

describe('the provider registry', () => {
  it('lists the provider types in registry order', () => {
    expect(PROVIDER_TYPES).toEqual(types);
    expect(PROVIDER_TYPES).toEqual(['legnext', 'apimart', 'aggregator']);
  });

  it.each(types)('gives %s a list price for every action', (type) => {
    for (const action of ACTIONS) {
      const price = PROVIDERS[type].listPricesUsd[action];
      expect(Number.isFinite(price) && price >= 0, `${type}.${action}`).toBe(true);
    }
  });

  it('keeps the documented default base URLs and env names', () => {
    expect(Object.fromEntries(types.map((t) => [t, [PROVIDERS[t].defaultBaseUrl, PROVIDERS[t].env]]))).toEqual({
      legnext: ['https://api.legnext.ai/api', { apiKey: 'LEGNEXT_API_KEY', baseUrl: 'LEGNEXT_BASE_URL', id: 'legnext' }],
      apimart: ['https://api.apimart.ai', { apiKey: 'APIMART_API_KEY', baseUrl: 'APIMART_BASE_URL', id: 'apimart' }],
      aggregator: ['https://cloud.vtrix.ai', { apiKey: 'VTRIX_API_KEY', baseUrl: 'VTRIX_BASE_URL', id: 'vtrix' }],
    });
  });
});

describe('when prices come from the registry', () => {
  it("prices each provider at its type's list price unless config says otherwise", () => {
    const c = parseConfig('providers:\n  - { id: a, type: apimart, apiKey: k }\n  - { id: v, type: aggregator, apiKey: k }\nprices: { aggregator: { imagine: 0.5 } }\n', {});
    for (const action of ACTIONS) expect(priceUsd(c, 'a', action)).toBe(PROVIDERS.apimart.listPricesUsd[action]);
    expect(priceUsd(c, 'v', 'imagine')).toBe(0.5);
    expect(LIST_PRICES_USD.aggregator).toBe(PROVIDERS.aggregator.listPricesUsd);
  });
});
