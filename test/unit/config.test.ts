import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

const problemsOf = (text: string | undefined, env: Record<string, string> = {}) => {
  try {
    parseConfig(text, env);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
};

describe('configuration', () => {
  it('reads the documented YAML example with ${ENV} interpolation and defaults', () => {
    const c = parseConfig(
      `port: 8080
publicUrl: https://mj.example.com
adminToken: \${ADMIN_TOKEN}
providers:
  - id: legnext-main
    type: legnext
    apiKey: \${LEGNEXT_API_KEY}
    priority: 1
    maxConcurrency: 6
    actions: [imagine, variation]
  - id: vtrix
    type: aggregator
    apiKey: \${VTRIX_API_KEY}
    priority: 2
tenants:
  - id: acme
    apiKeys: [\${ACME_KEY}]
    providers: [legnext-main]
`,
      { ADMIN_TOKEN: 'admin-token-0123456789', LEGNEXT_API_KEY: 'lk', VTRIX_API_KEY: 'vk', ACME_KEY: 'acme-key-0123456789abcdef' },
    );
    expect(c.providers[0]).toMatchObject({ id: 'legnext-main', apiKey: 'lk', weight: 1, timeoutMs: 30_000, actions: ['imagine', 'variation'] });
    expect(c.tenants[0]).toMatchObject({ id: 'acme', rateLimitPerMinute: 600, maxConcurrentTasks: 50, apiKeys: ['acme-key-0123456789abcdef'] });
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.taskRetentionDays).toBe(30);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('gives an empty config every default, each section filled from its own keys', () => {
    expect({ ...parseConfig(undefined, {}) }).toStrictEqual({
      port: 8080, host: '0.0.0.0', redisUrl: 'redis://127.0.0.1:6379', keyPrefix: 'mjg', allowPrivateCallbacks: false,
      taskRetentionDays: 30, logLevel: 'info', bodyLimitBytes: 262_144,
      deadlines: { imageMs: 900_000, videoMs: 1_800_000 },
      polling: { initialDelayMs: 1000, maxDelayMs: 5000, growth: 0.25, maxNotFound: 5 },
      retry: { sameProviderAttempts: 2, baseDelayMs: 500, maxDelayMs: 30_000, onAmbiguousSubmit: 'retry', resubmitOnUpstreamFailure: true },
      balances: { intervalMs: 300_000 },
      circuitBreaker: { windowMs: 60_000, minRequests: 5, failureRatio: 0.5, openMs: 30_000, longOpenMs: 600_000, probeTimeoutMs: 60_000 },
      routing: { strategy: 'weighted', handoffSweepMs: 2000 },
      workers: { concurrency: 50, lockDurationMs: 30_000, stalledIntervalMs: 15_000, sweepIntervalMs: 30_000, niceness: 0 },
      webhooks: { timeoutMs: 10_000, baseDelayMs: 2000, maxDelayMs: 3_600_000, maxAgeMs: 86_400_000 },
      streams: { heartbeatMs: 15_000 },
      mjProxy: { bodyLimitBytes: 16_777_216, modalTtlSeconds: 3600 },
      prices: {}, providers: [], tenants: [],
    });
  });

  it('fills the rest of a section from its defaults when the file gives part of it', () => {
    const c = parseConfig('polling: { growth: 0.5 }\nwebhooks: { encryptionKey: "0123456789abcdef0123456789abcdef" }\n', {});
    expect(c.polling).toStrictEqual({ initialDelayMs: 1000, maxDelayMs: 5000, growth: 0.5, maxNotFound: 5 });
    expect(c.webhooks).toStrictEqual({ timeoutMs: 10_000, baseDelayMs: 2000, maxDelayMs: 3_600_000, maxAgeMs: 86_400_000, encryptionKey: '0123456789abcdef0123456789abcdef' });
  });

  it('reports every bad key at once, with its path', () => {
    const problems = problemsOf(
      `port: -1
providers:
  - id: Bad_Id
    type: midjourney
    apiKey: ""
tenants:
  - id: t
    apiKeys: [short]
    bogus: 1
`,
    );
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^port: /),
      expect.stringMatching(/^providers\.0\.id: /),
      expect.stringMatching(/^providers\.0\.type: /),
      expect.stringMatching(/^providers\.0\.apiKey: apiKey is required/),
      expect.stringMatching(/^tenants\.0\.apiKeys\.0: tenant keys must be at least 16/),
      expect.stringMatching(/^tenants\.0: .*bogus/),
    ]));
  });

  it('names each missing environment variable', () => {
    const problems = problemsOf('providers:\n  - { id: a, type: legnext, apiKey: "${NOPE_KEY}" }\nadminToken: ${NOPE_ADMIN}\n');
    expect(problems).toEqual(['providers.0.apiKey: environment variable NOPE_KEY is not set', 'adminToken: environment variable NOPE_ADMIN is not set']);
  });

  it('catches duplicate ids and unknown provider references', () => {
    const problems = problemsOf('providers:\n  - { id: a, type: legnext, apiKey: k }\n  - { id: a, type: apimart, apiKey: k }\ntenants:\n  - { id: t, providers: [zzz] }\n');
    expect(problems).toEqual(expect.arrayContaining(['providers.1.id: duplicate provider id "a"', 'tenants.0.providers.0: no provider with id "zzz"']));
  });

  it('lets env override the file and enable providers without a file', () => {
    const c = parseConfig(undefined, { PORT: '9000', REDIS_URL: 'redis://r:6379/2', LOG_LEVEL: 'warn', LEGNEXT_API_KEY: 'lk', VTRIX_API_KEY: 'vk', VTRIX_BASE_URL: 'http://127.0.0.1:9' });
    expect(c).toMatchObject({ port: 9000, redisUrl: 'redis://r:6379/2', logLevel: 'warn' });
    expect(c.providers.map((p) => [p.id, p.type, p.baseUrl])).toEqual([['legnext', 'legnext', 'https://api.legnext.ai/api'], ['vtrix', 'aggregator', 'http://127.0.0.1:9']]);
  });

  it('refuses a file that is not YAML', () => {
    expect(problemsOf('port: [1, 2')[0]).toMatch(/not valid YAML/);
  });

  it('reports bad type-specific provider options as config errors', async () => {
    const { ProviderRegistry } = await import('../../src/services/providers.js');
    const c = parseConfig('providers:\n  - { id: v, type: aggregator, apiKey: k, options: { bodyStyle: nested } }\n', {});
    expect(() => new ProviderRegistry(c)).toThrow(/providers\.0\.options: aggregator option bodyStyle must be "flat" or "wrapped"/);
  });

  it.each(['gateway.example.yaml', 'gateway.demo.yaml'])('accepts the shipped config/%s', async (name) => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL(`../../config/${name}`, import.meta.url), 'utf8');
    const env = Object.fromEntries([...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => [m[1]!, 'v'.repeat(40)]));
    const c = parseConfig(text, env);
    expect(c.providers.length).toBeGreaterThan(0);
    expect(c.tenants.length).toBeGreaterThan(0);
  });
});
