import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, nextSecond, startGateway, uniquePrefix, type TestGateway } from '../helpers/gateway.js';

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
    // A request holds its slot until its second of Redis's clock has left the window: 60 to 61 s.
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(61);
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
    const key = one.keys.rateWindow('limited');
    // A real minute is too long for the suite: age the window's per-second buckets in Redis instead. A refusal a
    // process holds lasts until the current second ends (time only frees room at second boundaries), so after aging,
    // let a real second boundary pass too.
    const age = async (by: number) => {
      const all = await one.redis.hgetall(key);
      const moved: Record<string, string | number> = { n: all.n!, o: Number(all.o) - by };
      for (const [f, v] of Object.entries(all)) if (/^\d+$/.test(f)) moved[String(Number(f) - by)] = v;
      await one.redis.multi().del(key).hset(key, moved).pexpire(key, 200_000).exec();
      await nextSecond();
    };
    expect((await api(two.url, 'GET', '/v1/tasks', { key: KEY })).status).toBe(429);
    await age(30);
    expect((await api(two.url, 'GET', '/v1/tasks', { key: KEY })).status).toBe(429);
    await age(31);
    const next = await api(two.url, 'GET', '/v1/tasks', { key: KEY });
    expect(next.status).toBe(200);
    expect(next.headers).toMatchObject({ 'ratelimit-limit': '10', 'ratelimit-remaining': '9' });
    // The new request is now the oldest in the window.
    expect(Number(next.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(60);
  });
});
