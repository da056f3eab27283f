/**
 * The per-tenant rate limiter's script on real Redis: a hash of per-second buckets per tenant. Windows are built or
 * aged by writing the hash directly (fields are seconds of Redis's clock), so no test waits for a minute to pass.
 * Each request here goes through a limiter of its own (a process that holds no lease), so every decision is the
 * script's; leases are covered in test/integration/rate-limit-lease.redis.test.ts.
 */
import { Redis, type Command } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter, rateLimitHeaders, type RateDecision } from '../../src/services/rate-limit.js';
import { createKeys } from '../../src/store/keys.js';
import { RateWindowStore } from '../../src/store/rate-window-store.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

describe('the rate limiter on Redis', () => {
  const prefix = uniquePrefix();
  const keys = createKeys(prefix);
  let redis: Redis;
  let n = 0;
  /** One request decided by the script: a limiter with no lease or refusal in hand. */
  const hit = (id: string, limit: number) => new RateLimiter(new RateWindowStore(redis, createKeys(prefix))).hit(id, limit);
  const tenant = () => `t${++n}`;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  /** Redis's clock in ms. */
  const redisMs = async () => {
    const [s, us] = await redis.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  };

  /** Writes a window: bucket offsets (seconds relative to `sec`, ≤ 0) → counts, with its running total and oldest bucket. */
  async function seed(id: string, sec: number, buckets: Record<number, number>): Promise<void> {
    const offsets = Object.keys(buckets).map(Number);
    const fields: Record<string, number> = { n: Object.values(buckets).reduce((a, b) => a + b, 0), o: sec + Math.min(...offsets) };
    for (const off of offsets) fields[String(sec + off)] = buckets[off]!;
    await redis.multi().del(keys.rateWindow(id)).hset(keys.rateWindow(id), fields).pexpire(keys.rateWindow(id), 200_000).exec();
  }

  /**
   * Runs `scenario` (which builds a window around second `sec` and checks it) with `sec` = Redis's current second,
   * and again if Redis's clock crossed into the next second meanwhile, so offsets mean what the scenario says.
   * `from`/`to` bound the moment (ms) the limiter's script ran.
   */
  async function inOneSecond<T>(id: string, scenario: (sec: number) => Promise<T>): Promise<{ result: T; sec: number; from: number; to: number }> {
    for (let i = 0; i < 20; i++) {
      const from = await redisMs();
      const sec = Math.floor(from / 1000);
      const result = await scenario(sec);
      const to = await redisMs();
      if (Math.floor(to / 1000) === sec) return { result, sec, from, to };
      await redis.del(keys.rateWindow(id));
    }
    throw new Error('Redis clock kept crossing a second boundary');
  }

  /** The bucket fields of a window, as offsets from `sec` → count. */
  async function buckets(id: string, sec: number): Promise<Record<number, number>> {
    const all = await redis.hgetall(keys.rateWindow(id));
    const out: Record<number, number> = {};
    for (const [f, v] of Object.entries(all)) if (/^\d+$/.test(f)) out[Number(f) - sec] = Number(v);
    return out;
  }

  /** Moves every bucket of the window `by` seconds into the past. */
  async function age(id: string, by: number): Promise<void> {
    const all = await redis.hgetall(keys.rateWindow(id));
    const moved: Record<string, string | number> = { n: all.n!, o: Number(all.o) - by };
    for (const [f, v] of Object.entries(all)) if (/^\d+$/.test(f)) moved[String(Number(f) - by)] = v;
    await redis.multi().del(keys.rateWindow(id)).hset(keys.rateWindow(id), moved).pexpire(keys.rateWindow(id), 200_000).exec();
  }

  it('admits up to the limit, then refuses without counting the refusals', async () => {
    const id = tenant();
    const { result, sec } = await inOneSecond(id, async () => {
      const out: RateDecision[] = [];
      for (let i = 0; i < 6; i++) out.push(await hit(id, 3));
      return out;
    });
    expect(result.map((d) => [d.allowed, d.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0], [false, 0], [false, 0]]);
    expect(result.every((d) => d.limit === 3)).toBe(true);
    expect(await buckets(id, sec)).toEqual({ 0: 3 });
    expect(await redis.hget(keys.rateWindow(id), 'n')).toBe('3');
  });

  it('is atomic: 50 concurrent requests on separate connections, exactly 20 admitted', async () => {
    const id = tenant();
    const conns = Array.from({ length: 5 }, () => new Redis(TEST_REDIS_URL));
    try {
      const limiters = conns.map((c) => new RateLimiter(new RateWindowStore(c, createKeys(prefix))));
      const decisions = await Promise.all(Array.from({ length: 50 }, (_, i) => limiters[i % 5]!.hit(id, 20)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
      expect(new Set(decisions.filter((d) => d.allowed).map((d) => d.remaining)).size).toBe(20);
      expect(await redis.hget(keys.rateWindow(id), 'n')).toBe('20');
    } finally {
      await Promise.all(conns.map((c) => c.quit()));
    }
  });

  it('counts the oldest, partly overlapping second whole, and frees it when it leaves the window', async () => {
    const id = tenant();
    // Second sec-60 overlaps the last 60 s (it ends 59.x s ago): still counted.
    const full = await inOneSecond(id, async (sec) => {
      await seed(id, sec, { [-60]: 3 });
      return hit(id, 3);
    });
    expect(full.result.allowed).toBe(false);
    // It leaves when Redis's clock reaches the next second: Retry-After 1.
    expect(full.result.resetMs).toBeGreaterThanOrEqual((full.sec + 1) * 1000 - full.to);
    expect(full.result.resetMs).toBeLessThanOrEqual((full.sec + 1) * 1000 - full.from);
    expect(rateLimitHeaders(full.result)['retry-after']).toBe('1');

    // One second later it is wholly out of the window: subtracted and deleted, the request admitted.
    const freed = await inOneSecond(id, async (sec) => {
      await seed(id, sec, { [-61]: 3 });
      return hit(id, 3);
    });
    expect(freed.result).toMatchObject({ allowed: true, remaining: 2 });
    expect(await buckets(id, freed.sec)).toEqual({ 0: 1 });
    expect(await redis.hmget(keys.rateWindow(id), 'n', 'o')).toEqual(['1', String(freed.sec)]);
  });

  it('answers Retry-After from the bucket whose departure makes room', async () => {
    const id = tenant();
    const a = await inOneSecond(id, async (sec) => {
      await seed(id, sec, { [-30]: 2, [-10]: 1 });
      return hit(id, 3);
    });
    expect(a.result).toMatchObject({ allowed: false, remaining: 0, limit: 3 });
    // Bucket sec-30 leaves at second sec+31.
    expect(a.result.resetMs).toBeGreaterThanOrEqual((a.sec + 31) * 1000 - a.to);
    expect(a.result.resetMs).toBeLessThanOrEqual((a.sec + 31) * 1000 - a.from);
    expect(rateLimitHeaders(a.result)).toMatchObject({ 'retry-after': '31', 'ratelimit-reset': '31', 'ratelimit-remaining': '0', 'ratelimit-limit': '3' });

    // A limit lowered below the window's count: room comes only when enough buckets, oldest first, have left.
    const b = await inOneSecond(id, async (sec) => {
      await seed(id, sec, { [-50]: 1, [-30]: 2, [-10]: 2 });
      return hit(id, 2);
    });
    expect(b.result.allowed).toBe(false);
    // 5 counted, at most 1 may remain: sec-50, sec-30 and sec-10 must all leave; sec-10 leaves at second sec+51.
    expect(b.result.resetMs).toBeGreaterThanOrEqual((b.sec + 51) * 1000 - b.to);
    expect(b.result.resetMs).toBeLessThanOrEqual((b.sec + 51) * 1000 - b.from);
    // A refusal leaves the window as it was.
    expect(await buckets(id, b.sec)).toEqual({ [-50]: 1, [-30]: 2, [-10]: 2 });
  });

  it('gives an admitted request the time until its oldest bucket leaves as RateLimit-Reset', async () => {
    const id = tenant();
    const r = await inOneSecond(id, async (sec) => {
      await seed(id, sec, { [-45]: 4, [-2]: 1 });
      return hit(id, 10);
    });
    expect(r.result).toMatchObject({ allowed: true, remaining: 4 });
    expect(r.result.resetMs).toBeGreaterThanOrEqual((r.sec + 16) * 1000 - r.to);
    expect(r.result.resetMs).toBeLessThanOrEqual((r.sec + 16) * 1000 - r.from);
    expect(await buckets(id, r.sec)).toEqual({ [-45]: 4, [-2]: 1, 0: 1 });
  });

  it('drops the buckets that left the window, keeps the rest, and moves the oldest bucket to the next one present', async () => {
    const id = tenant();
    const r = await inOneSecond(id, async (sec) => {
      await seed(id, sec, { [-100]: 2, [-61]: 5, [-59]: 1, [-5]: 1 });
      return hit(id, 4);
    });
    // 2 live (sec-59, sec-5) + this one: the dead 7 do not count.
    expect(r.result).toMatchObject({ allowed: true, remaining: 1 });
    expect(await buckets(id, r.sec)).toEqual({ [-59]: 1, [-5]: 1, 0: 1 });
    expect(await redis.hmget(keys.rateWindow(id), 'n', 'o')).toEqual(['3', String(r.sec - 59)]);
  });

  it('starts over on a key idle for longer than the window', async () => {
    const id = tenant();
    const r = await inOneSecond(id, async (sec) => {
      await seed(id, sec, { [-500]: 2, [-480]: 3 });
      return hit(id, 3);
    });
    expect(r.result).toMatchObject({ allowed: true, remaining: 2 });
    expect(await redis.hgetall(keys.rateWindow(id))).toEqual({ n: '1', o: String(r.sec), [String(r.sec)]: '1' });
    // The key lives as long as its newest bucket counts, and no longer.
    const ttl = await redis.pttl(keys.rateWindow(id));
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(62_000);
  });

  it('keeps one small hash per tenant whatever the traffic: at most 61 buckets, and a total that matches them', async () => {
    const id = tenant();
    let admitted = 0;
    for (let i = 0; i < 150; i++) {
      for (let j = 0; j < 3; j++) if ((await hit(id, 1_000_000)).allowed) admitted++;
      await age(id, 1);
    }
    expect(admitted).toBe(450);
    const all = await redis.hgetall(keys.rateWindow(id));
    const bucketFields = Object.keys(all).filter((f) => /^\d+$/.test(f));
    expect(bucketFields.length).toBeLessThanOrEqual(61);
    expect(bucketFields.length).toBeGreaterThan(40);
    expect(Number(all.n)).toBe(bucketFields.reduce((sum, f) => sum + Number(all[f]), 0));
    expect(Number(all.o)).toBe(Math.min(...bucketFields.map(Number)));
    expect(await redis.object('ENCODING', keys.rateWindow(id))).toMatch(/listpack|ziplist/);
  });

  it('falls back to EVAL when Redis does not have the script (after a restart or SCRIPT FLUSH)', async () => {
    const conn = new Redis(TEST_REDIS_URL);
    try {
      const send = conn.sendCommand.bind(conn);
      let calls = 0;
      // Redis's own NOSCRIPT answer, for the first EVALSHA only.
      conn.sendCommand = ((command: Command, stream?: Parameters<typeof send>[1]) => {
        if (command.name !== 'evalsha' || calls++ > 0) return send(command, stream);
        command.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
        return command.promise;
      });
      const limiter = new RateLimiter(new RateWindowStore(conn, createKeys(prefix)));
      const id = tenant();
      expect(await limiter.hit(id, 2)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await limiter.hit(id, 2)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await limiter.hit(id, 2)).toMatchObject({ allowed: false, remaining: 0 });
      expect(calls).toBe(3);
      // Other errors are not retried.
      await redis.set(keys.rateWindow('wrong-type'), 'x');
      await expect(limiter.hit('wrong-type', 2)).rejects.toThrow(/WRONGTYPE/);
    } finally {
      await conn.quit();
    }
  });

  it('keeps tenants independent', async () => {
    const a = tenant();
    const b = tenant();
    for (let i = 0; i < 2; i++) expect((await hit(a, 2)).allowed).toBe(true);
    expect((await hit(a, 2)).allowed).toBe(false);
    expect(await hit(b, 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect((await hit(a, 2)).allowed).toBe(false);
    expect(await hit(b, 2)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('slides: a full window admits again once its buckets have aged out, not before', async () => {
    const id = tenant();
    for (let i = 0; i < 3; i++) expect((await hit(id, 3)).allowed).toBe(true);
    expect((await hit(id, 3)).allowed).toBe(false);
    await age(id, 30);
    expect((await hit(id, 3)).allowed).toBe(false);
    await age(id, 31);
    expect(await hit(id, 3)).toMatchObject({ allowed: true, remaining: 2 });
  });
});
