/** The orphan job log on the real Redis: each job once, counted in its tenant's usage day, bounded by age and count. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../src/store/keys.js';
import { OrphanStore, type OrphanJob } from '../../src/store/orphan-store.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

const DAY = '2026-03-04';
const job = (upstreamId: string, seenAt: number, tenantId: string | null = 't1'): OrphanJob => ({
  id: `orp_${upstreamId}`, provider: 'p1', upstreamId, seenAt: new Date(seenAt).toISOString(), via: 'callback',
  taskId: tenantId ? 'tsk_1' : null, tenantId, action: tenantId ? 'imagine' : null, estimatedCostUsd: 0.08,
});

describe('the orphan job log', () => {
  const prefix = uniquePrefix();
  const keys = createKeys(prefix);
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  it('records a job once and counts it in the tenant\'s usage day; one without a tenant only in the log', async () => {
    const store = new OrphanStore(redis, keys, 86_400);
    const now = Date.now();
    expect(await store.record(job('j1', now), 80_000, DAY)).toBe(true);
    expect(await store.record(job('j1', now + 5), 80_000, DAY)).toBe(false);
    expect(await store.record(job('j2', now + 10, null), 0, DAY)).toBe(true);
    expect(await redis.hgetall(keys.usageDay('t1', DAY))).toEqual({ 'orphan|imagine|p1': '1', 'orphanusd|imagine|p1': '80000' });
    expect(await redis.ttl(keys.usageDay('t1', DAY))).toBeGreaterThan(0);
    expect((await store.recent(10)).map((j) => j.upstreamId)).toEqual(['j2', 'j1']);
    expect(await store.count()).toBe(2);
  });

  it('drops entries past the retention, then the oldest past the cap', async () => {
    const store = new OrphanStore(redis, createKeys(`${prefix}-b`), 3600, 3);
    const now = Date.now();
    await store.record(job('old', now - 2 * 3600_000, null), 0, DAY);
    for (let i = 0; i < 5; i++) await store.record(job(`k${i}`, now + i, null), 0, DAY);
    expect((await store.recent(10)).map((j) => j.upstreamId)).toEqual(['k4', 'k3', 'k2']);
    expect(await redis.hlen(createKeys(`${prefix}-b`).orphanRecords)).toBe(3);
    await dropPrefix(`${prefix}-b`);
  });
});
