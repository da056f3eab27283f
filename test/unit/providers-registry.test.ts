import { describe, expect, it } from 'vitest';
import { PROVIDER_TYPES, PROVIDERS } from '../../providers/index.js';
import { ACTIONS } from '../../providers/types.js';
import { parseConfig } from '../../src/config.js';
import { LIST_PRICES_USD, priceUsd } from '../../src/services/prices.js';

const types = Object.keys(PROVIDERS) as Array<keyof typeof PROVIDERS>;

describe('the provider registry', () => {
  it('lists the provider types in registry order', () => {
    expect(PROVIDER_TYPES).toEqual(types);
    expect(PROVIDER_TYPES.slice(0, 3)).toEqual(['legnext', 'apimart', 'aggregator']);
  });

  it.each(types)('gives %s a list price for every action it can run', (type) => {
    const adapter = PROVIDERS[type].create({ id: 'x', apiKey: 'k', timeoutMs: 1000, dispatcher: undefined as never });
    for (const action of ACTIONS) {
      if (!adapter.capabilities.actions[action]) continue;
      const price = PROVIDERS[type].listPricesUsd[action];
      expect(price !== undefined && Number.isFinite(price) && price >= 0, `${type}.${action}`).toBe(true);
    }
  });

  it('gives every type env names and an env-only provider id of its own', () => {
    const envs = types.map((t) => PROVIDERS[t].env);
    expect(new Set(envs.map((e) => e.id)).size).toBe(types.length);
    expect(new Set(envs.flatMap((e) => [e.apiKey, e.baseUrl])).size).toBe(2 * types.length);
  });

  it('keeps the documented default base URLs and env names', () => {
    expect(Object.fromEntries(types.map((t) => [t, [PROVIDERS[t].defaultBaseUrl, PROVIDERS[t].env]]))).toMatchObject({
      legnext: ['https://api.legnext.ai/api', { apiKey: 'LEGNEXT_API_KEY', baseUrl: 'LEGNEXT_BASE_URL', id: 'legnext' }],
      apimart: ['https://api.apimart.ai', { apiKey: 'APIMART_API_KEY', baseUrl: 'APIMART_BASE_URL', id: 'apimart' }],
      aggregator: ['https://cloud.vtrix.ai', { apiKey: 'VTRIX_API_KEY', baseUrl: 'VTRIX_BASE_URL', id: 'vtrix' }],
    });
  });
});

describe('when config comes from the registry', () => {
  it('enables a legnext provider from LEGNEXT_API_KEY alone, on the default base URL', () => {
    const c = parseConfig(undefined, { LEGNEXT_API_KEY: 'lk' });
    expect(c.providers).toHaveLength(1);
    expect(c.providers[0]).toMatchObject({ id: 'legnext', type: 'legnext', apiKey: 'lk', baseUrl: PROVIDERS.legnext.defaultBaseUrl });
  });

  it.each(types)('enables %s from its env names, with its base URL variable as an override', (type) => {
    const { env } = PROVIDERS[type];
    const byDefault = parseConfig(undefined, { [env.apiKey]: 'key' }).providers;
    expect(byDefault.map((p) => [p.id, p.type, p.baseUrl])).toEqual([[env.id, type, PROVIDERS[type].defaultBaseUrl]]);
    const overridden = parseConfig(undefined, { [env.apiKey]: 'key', [env.baseUrl]: 'http://127.0.0.1:9' }).providers;
    expect(overridden[0]!.baseUrl).toBe('http://127.0.0.1:9');
  });

  it('fills the default base URL of a provider from the file that gives none', () => {
    const c = parseConfig('providers:\n  - { id: a, type: apimart, apiKey: k }\n  - { id: b, type: aggregator, apiKey: k, baseUrl: "http://127.0.0.1:9" }\n', {});
    expect(c.providers.map((p) => p.baseUrl)).toEqual([PROVIDERS.apimart.defaultBaseUrl, 'http://127.0.0.1:9']);
  });

  it("prices each provider at its type's list price unless config says otherwise", () => {
    const c = parseConfig('providers:\n  - { id: a, type: apimart, apiKey: k }\n  - { id: v, type: aggregator, apiKey: k }\nprices: { aggregator: { imagine: 0.5 } }\n', {});
    for (const action of ACTIONS) expect(priceUsd(c, 'a', action)).toBe(PROVIDERS.apimart.listPricesUsd[action] ?? 0);
    expect(priceUsd(c, 'v', 'imagine')).toBe(0.5);
    expect(LIST_PRICES_USD.aggregator).toBe(PROVIDERS.aggregator.listPricesUsd);
  });
});
