import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startGateway, uniquePrefix, type TestGateway } from '../helpers/gateway.js';

const KEY = 'limited-tenant-key-0123456789';
const OTHER = 'other-tenant-key-0123456789';

describe('the per-tenant rate limit', () => {
  const prefix = uniquePrefix();
  let one: TestGateway;
  let two: TestGateway;

  beforeAll(async () => {
    const tenants = [{ id: 'limited', apiKeys: [KEY], rateLimitPerMinute: 10 }, { id: 'other', apiKeys: [OTHER], rateLimitPerMinute: 10 }];
    one = await startGateway({ keyPrefix: prefix, tenants, workers: false });
    two = await startGateway({ keyPrefix: prefix, tenants, workers: false });
  });
  afterAll(async () => {
    await two?.app.close();
    await two?.rt.close();
    await one?.close();
  });

  it('is exact across two API processes: 10 of 30 concurrent requests pass', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => api(i % 2 ? one.url : two.url, 'GET', '/v1/tasks', { key: KEY })));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(20);
    expect(new Set(ok.map((r) => r.headers['ratelimit-remaining']))).toEqual(new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']));
    for (const r of ok) expect(r.headers['ratelimit-limit']).toBe('10');
    const refused = limited[0]!;
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 10 } });
    expect(refused.body.error.message).toMatch(/retry after \d+ s/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '10', 'ratelimit-remaining': '0' });
    expect(refused.headers['ratelimit-reset']).toBe(refused.headers['retry-after']);
  });

  it('counts every authenticated /v1 request, and only those of the tenant', async () => {
    const usage = await api(one.url, 'GET', '/v1/usage', { key: KEY });
    expect(usage.status).toBe(429);
    expect((await api(one.url, 'GET', '/v1/providers', { key: OTHER })).status).toBe(200);
    // Unauthenticated requests are not counted against anyone (and are 401 first).
    expect((await api(one.url, 'GET', '/v1/tasks', { key: 'unknown-key-0123456789abc' })).status).toBe(401);
    expect((await api(one.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('lets requests through again once the window slides', async () => {
    const rl = one.rt.rateLimit;
    const id = `window-${Date.now()}`;
    // A real minute is too long for the suite: age the window's entries in Redis instead.
    for (let i = 0; i < 3; i++) expect((await rl.hit(id, 3)).allowed).toBe(true);
    expect((await rl.hit(id, 3)).allowed).toBe(false);
    const key = `${prefix}:rl:${id}`;
    const [member] = await one.rt.redis.zrange(key, 0, 0);
    await one.rt.redis.zadd(key, 'XX', Date.now() - 61_000, member!);
    const next = await rl.hit(id, 3);
    expect(next).toMatchObject({ allowed: true, remaining: 0 });
  });
});
