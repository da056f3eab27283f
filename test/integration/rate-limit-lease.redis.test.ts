/**
 * Rate-limit leases (services/rate-limit.ts), against real Redis with two limiters standing for two API processes:
 * a busy tenant costs a Redis call per lease instead of per request, requests that arrive while a call is in flight
 * wait for it instead of making their own, and the limit stays exact: every admission is counted in Redis before it
 * is handed out, grants shrink near the limit, and a refusal is shared only until the second ends.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, type RateDecision } from '../../src/services/rate-limit.js';
import { createKeys } from '../../src/store/keys.js';
import { RateWindowStore } from '../../src/store/rate-window-store.js';
import { rateWindow } from '../../src/store/scripts.js';
import { dropPrefix, nextSecond, sleep, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

describe('rate-limit leases', () => {
  const prefix = uniquePrefix();
  const keys = createKeys(prefix);
  let redisA: Redis;
  let redisB: Redis;
  let a: RateLimiter;
  let b: RateLimiter;
  let tenant: string;
  let n = 0;

  beforeAll(() => {
    redisA = new Redis(TEST_REDIS_URL);
    redisB = new Redis(TEST_REDIS_URL);
  });
  beforeEach(() => {
    a = new RateLimiter(new RateWindowStore(redisA, keys));
    b = new RateLimiter(new RateWindowStore(redisB, keys));
    tenant = `t${++n}`;
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await dropPrefix(prefix);
    await redisA.quit();
    await redisB.quit();
  });

  /**
   * The arguments of every rate-window call limiter A's connection sends from now on (EVALSHA: sha, 1, key, limit,
   * window, want); give-backs of unused leases (rate-return) are not counted.
   */
  const luaCalls = () => {
    const seen: string[][] = [];
    const send = redisA.sendCommand.bind(redisA);
    vi.spyOn(redisA, 'sendCommand').mockImplementation((cmd, stream) => {
      const first = String(cmd.args[0]);
      if ((cmd.name === 'evalsha' || cmd.name === 'eval') && (first === rateWindow.source.sha || first === rateWindow.source.lua)) seen.push(cmd.args.map(String));
      return send(cmd, stream);
    });
    return seen;
  };

  /** Admitted requests counted in Redis for the tenant (the window's running total). */
  const counted = async () => Number(await redisA.hget(keys.rateWindow(tenant), 'n'));
  /** Starts the test early in a second, so that one second is enough for what it does. */
  const freshSecond = async () => {
    if (Date.now() % 1000 > 300) await nextSecond();
  };
  const all = (d: Array<RateDecision | Promise<RateDecision>>) => Promise.all(d.map((x) => Promise.resolve(x)));

  it('answers most requests of a busy tenant from a lease, one Redis call per lease', async () => {
    await freshSecond();
    const calls = luaCalls();
    let sync = 0;
    const decisions: RateDecision[] = [];
    // 1,000 requests one after another, as a busy API process sees them.
    for (let i = 0; i < 1000; i++) {
      const d = a.take(tenant, 1_000_000);
      if (!(d instanceof Promise)) sync++;
      decisions.push(await d);
    }
    expect(decisions.every((d) => d.allowed)).toBe(true);
    // Leases double from 1 up to 256: 1 + 2 + … + 256 = 511, then 256 at a time.
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThanOrEqual(12);
    expect(sync).toBeGreaterThanOrEqual(1000 - 12);
    // Every admission was counted in Redis before it was handed out; what is counted but unused is the last lease's rest.
    const total = await counted();
    expect(total).toBeGreaterThanOrEqual(1000);
    expect(total - 1000).toBeLessThan(256);
    // RateLimit-Remaining counts what this process still holds as room: it goes down by one per request.
    expect(decisions[998]!.remaining - decisions[999]!.remaining).toBe(1);
    expect(decisions[999]!.remaining).toBe(1_000_000 - 1000);
  });

  it('makes one Redis call for requests that arrive while it is in flight', async () => {
    await freshSecond();
    const calls = luaCalls();
    const first = await all(Array.from({ length: 50 }, () => a.take(tenant, 1_000_000)));
    expect(first.every((d) => d.allowed)).toBe(true);
    // 50 requests at once, then leases of 1, 2, 4, 8, 16, 32: never one call per request.
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(new Set(first.map((d) => d.remaining)).size).toBe(50);
  });

  it('never admits more than the limit across processes, and near it decides one request at a time', async () => {
    await freshSecond();
    const limit = 200;
    const decisions = await all(Array.from({ length: 600 }, (_, i) => (i % 2 ? a : b).take(tenant, limit)));
    const admitted = decisions.filter((d) => d.allowed).length;
    // All in one second: every lease is used up by the requests waiting for it, so nothing is wasted either.
    expect(admitted).toBe(limit);
    expect(await counted()).toBe(limit);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(400);
    for (const d of refused) expect(d).toMatchObject({ allowed: false, limit, remaining: 0 });
    // Each admitted request saw the room left as it was handed out: 199 down to 0, none twice.
    expect(new Set(decisions.filter((d) => d.allowed).map((d) => d.remaining))).toEqual(new Set(Array.from({ length: limit }, (_, i) => i)));
  });

  it('grants no more than a sixteenth of the room left, however large a lease is asked for', async () => {
    await freshSecond();
    const limit = 100_000;
    // 1 + 2 + … + 256 = 511 requests one after another: the next lease asked for is the largest (256).
    for (let i = 0; i < 511; i++) await a.take(tenant, limit);
    expect(await counted()).toBe(511);
    // Other processes take the window to 100 short of the limit.
    const second = String(Math.floor(Date.now() / 1000));
    await redisB.multi().hincrby(keys.rateWindow(tenant), 'n', limit - 611).hincrby(keys.rateWindow(tenant), second, limit - 611).exec();
    const d = await a.take(tenant, limit);
    expect(d.allowed).toBe(true);
    // ⌊100 / 16⌋ = 6 granted: this request and 5 held.
    expect(await counted()).toBe(limit - 94);
    expect(d.remaining).toBe(94 + 5);
    // Then 94 left: ⌊94 / 16⌋ = 5 … down to grants of 1 for the last 16.
    for (let i = 0; i < 5; i++) await a.take(tenant, limit);
    await a.take(tenant, limit);
    expect(await counted()).toBe(limit - 94 + 5);
  });

  it('keeps counted-but-unused admissions to a sixteenth of the room when a lease outlives its demand', async () => {
    await freshSecond();
    const limit = 16_000;
    for (let i = 0; i < 600; i++) await a.take(tenant, limit);
    // The lease in hand ends with its second, unused: at most ⌊room / 16⌋ of it.
    const wasted = (await counted()) - 600;
    expect(wasted).toBeGreaterThanOrEqual(0);
    expect(wasted).toBeLessThanOrEqual(Math.floor((limit - 600) / 16));
    // After the second, the next lease is sized on what the last one used, not on what it was granted.
    await nextSecond();
    const calls = luaCalls();
    await a.take(tenant, limit);
    expect(calls).toHaveLength(1);
    expect(Number(calls[0]![5])).toBeLessThanOrEqual(256);
  });

  it('shares a refusal until the second ends, then asks Redis again', async () => {
    await freshSecond();
    const limit = 3;
    for (let i = 0; i < 3; i++) expect((await b.take(tenant, limit)).allowed).toBe(true);
    const refused = await a.take(tenant, limit);
    expect(refused.allowed).toBe(false);
    expect(refused.resetMs).toBeGreaterThan(59_000);
    const calls = luaCalls();
    const again = a.take(tenant, limit);
    expect(again instanceof Promise).toBe(false);
    expect(again).toMatchObject({ allowed: false, remaining: 0 });
    expect(calls).toHaveLength(0);
    // The window emptied (as if a minute had passed): within the second the refusal holds, after it the call is made.
    await redisA.del(keys.rateWindow(tenant));
    await nextSecond();
    expect((await a.take(tenant, limit)).allowed).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('starts over when the tenant limit changes, and a failed call reaches every waiting request', async () => {
    await freshSecond();
    expect((await a.take(tenant, 1_000_000)).allowed).toBe(true);
    expect((await a.take(tenant, 1)).allowed).toBe(false); // a new limit is asked for, not served from the old lease
    await redisA.set(keys.rateWindow(tenant), 'not a window');
    await nextSecond();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => Promise.resolve(a.take(tenant, 10))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    await redisA.del(keys.rateWindow(tenant));
    await sleep(1);
    expect((await a.take(tenant, 10)).allowed).toBe(true);
  });
});
