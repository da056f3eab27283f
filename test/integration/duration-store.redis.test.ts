/**
 * Run times of succeeded jobs (store/duration-store.ts) against real Redis: a kind's first run time is sent at once,
 * later ones are added up in the process and sent as one batch, and what is pending is sent on flush (shutdown).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurationStore } from '../../src/store/duration-store.js';
import { createKeys } from '../../src/store/keys.js';
import { dropPrefix, sleep, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

describe('duration store', () => {
  const prefix = uniquePrefix();
  const keys = createKeys(prefix);
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await dropPrefix(prefix);
    await redis.quit();
  });

  it('sends a kind first seen at once, then adds up later run times into one batch', async () => {
    const store = new DurationStore(redis, keys, 30_000, 300);
    store.record('p1', 'imagine', 1000);
    await sleep(50);
    expect(await redis.hgetall(keys.durations)).toEqual({ 'p1|imagine|n': '1', 'p1|imagine|ms': '1000' });

    for (const ms of [2000, 3000, 4000]) store.record('p1', 'imagine', ms);
    await sleep(50);
    // Still in the batch: nothing more in Redis yet.
    expect(await redis.hget(keys.durations, 'p1|imagine|n')).toBe('1');
    await sleep(400);
    expect(await redis.hgetall(keys.durations)).toEqual({ 'p1|imagine|n': '4', 'p1|imagine|ms': '10000' });
    expect(await new DurationStore(redis, keys).average('p1', 'imagine')).toBe(2500);
  });

  it('sends what is pending when flushed, and keeps a batch Redis did not take for the next', async () => {
    const store = new DurationStore(redis, keys, 30_000, 60_000);
    store.record('p2', 'upscale', 10);
    await sleep(50);
    store.record('p2', 'upscale', 20);
    await store.flush();
    expect(await redis.hgetall(keys.durations)).toMatchObject({ 'p2|upscale|n': '2', 'p2|upscale|ms': '30' });

    // Not connected yet, and no offline queue: the first flush fails (and starts connecting).
    const broken = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const offline = new DurationStore(broken, keys, 30_000, 60_000);
    offline.record('p3', 'video', 5);
    await expect(offline.flush()).rejects.toThrow(/kept for the next batch/);
    expect(await redis.hget(keys.durations, 'p3|video|n')).toBeNull();
    // The same run time, sent once the connection is up (the pending sums moved to the next batch).
    if (broken.status !== 'ready') await new Promise((ready) => broken.once('ready', ready));
    await offline.flush();
    expect(await redis.hgetall(keys.durations)).toMatchObject({ 'p3|video|n': '1', 'p3|video|ms': '5' });
    await broken.quit();
  });
});
