/**
 * Steady traffic across replicas gets its whole allowance: two API processes (two limiters on one Redis) sharing a
 * tenant's steady stream admit exactly the limit (leases counted but not used are given back), and never more.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/services/rate-limit.js';
import { createKeys } from '../../src/store/keys.js';
import { RateWindowStore } from '../../src/store/rate-window-store.js';
import { dropPrefix, sleep, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

describe('a steady rate across two replicas', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  it('admits the full limit within the window, and not one more', async () => {
    const replicas = [0, 1].map(() => new RateLimiter(new RateWindowStore(redis, createKeys(prefix))));
    const limit = 600;
    // 40 requests/s in total, alternating replicas, for 18 s: the limit is reached after 15 s, well inside the window.
    let admitted = 0;
    const started = Date.now();
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < 720; i++) {
      const wait = started + i * 25 - Date.now();
      if (wait > 0) await sleep(wait);
      pending.push(replicas[i % 2]!.hit('steady', limit).then((d) => void (d.allowed && admitted++)));
    }
    await Promise.all(pending);
    expect(Date.now() - started).toBeLessThan(50_000); // all inside one window even on a loaded machine
    expect(admitted).toBe(limit);
  }, 70_000);
});
