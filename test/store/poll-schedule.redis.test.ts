import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../src/store/keys.js';
import { budgetWindow, parseMember, pollMember, PollSchedule } from '../../src/store/poll-schedule.js';
import { dropPrefix, sleep, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

describe('the poll schedule on Redis', () => {
  const prefix = uniquePrefix();
  const keys = createKeys(prefix);
  let redis: Redis;
  let polls: PollSchedule;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    polls = new PollSchedule(redis, keys);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  it('names members by task and generation', () => {
    expect(parseMember(pollMember('tsk_01ABC', 3))).toEqual({ taskId: 'tsk_01ABC', generation: 3 });
    expect(budgetWindow(200)).toEqual({ grants: 200, bucketMs: 50 });
    expect(budgetWindow(2.5)).toEqual({ grants: 2, bucketMs: 50 });
    expect(budgetWindow(0.1)).toEqual({ grants: 1, bucketMs: 500 });
  });

  it('claims only what is due, leases it, and schedules the next read on finish', async () => {
    const now = Date.now();
    expect(await polls.schedule('a', 't1', 1, now - 10)).toBe(true);
    expect(await polls.schedule('a', 't2', 1, now + 60_000)).toBe(true);
    expect(await polls.schedule('a', 't1', 1, now + 5)).toBe(false); // already scheduled: left alone
    const c = await polls.claim('a', 10, 1000, 5000);
    expect(c.members).toEqual(['t1:1']);
    expect(c.leaseEnd).toBeGreaterThanOrEqual(now + 4000);
    // Being read: neither claimable again nor re-scheduled by a repeat.
    expect(await polls.schedule('a', 't1', 1, now)).toBe(false);
    const none = await polls.claim('a', 10, 1000, 5000);
    expect(none.members).toEqual([]);
    expect(none.waitMs).toBeGreaterThan(50_000); // t2 comes due in about a minute
    expect(await polls.finish('a', 't1:1', c.leaseEnd, now + 30_000)).toBe(true);
    expect(await polls.dueAt('a', 't1', 1)).toBe(now + 30_000);
    expect(await polls.counts(['a'])).toEqual({ due: 0, scheduled: 2, running: 0 });
    // No more reads: the member is gone.
    await redis.zadd(`${prefix}:polls:a:due`, now - 1, 't1:1');
    const again = await polls.claim('a', 10, 1000, 5000);
    expect(await polls.finish('a', 't1:1', again.leaseEnd, null)).toBe(true);
    expect(await polls.dueAt('a', 't1', 1)).toBeNull();
    expect(await polls.claim('b', 10, 1000, 5000)).toMatchObject({ members: [], waitMs: -1 });
  });

  it('hands a read back when its lease ends (its worker died), and the late finisher cannot reschedule it', async () => {
    await polls.schedule('c', 't3', 1, 0);
    const first = await polls.claim('c', 10, 1000, 100);
    expect(first.members).toEqual(['t3:1']);
    await sleep(150);
    const second = await polls.claim('c', 10, 1000, 5000);
    expect(second.members).toEqual(['t3:1']);
    expect(await polls.finish('c', 't3:1', first.leaseEnd, Date.now())).toBe(false);
    expect(await polls.finish('c', 't3:1', second.leaseEnd, Date.now() + 1000)).toBe(true);
  });

  it('puts a woken read first in line; a read finishing with a wake flag pending is due at once', async () => {
    const now = Date.now();
    await polls.schedule('d', 'late', 1, now - 1000);
    await polls.schedule('d', 'woken', 1, now + 60_000);
    expect(await polls.wake('d', 'woken', 1)).toBe(true);
    expect(await polls.wake('d', 'absent', 1)).toBe(false);
    expect((await polls.claim('d', 1, 1000, 5000)).members).toEqual(['woken:1']);
    const c = await polls.claim('d', 1, 1000, 5000);
    expect(c.members).toEqual(['late:1']);
    await redis.set(keys.wake('late'), '1');
    await polls.finish('d', 'late:1', c.leaseEnd, now + 60_000);
    expect(await polls.dueAt('d', 'late', 1)).toBe(0);
  });

  it('takes a wake flag left before the first read was scheduled and makes that read immediate', async () => {
    const later = Date.now() + 60_000;
    await redis.set(keys.wake('early'), '1');
    expect(await polls.schedule('f', 'early', 1, later)).toBe(true);
    expect(await polls.dueAt('f', 'early', 1)).toBe(0);
    expect(await redis.exists(keys.wake('early'))).toBe(0);
    // Already scheduled: a repeat leaves it alone, unless a callback flagged it meanwhile.
    await polls.schedule('f', 'plain', 1, later);
    expect(await polls.schedule('f', 'plain', 1, later + 1)).toBe(false);
    expect(await polls.dueAt('f', 'plain', 1)).toBe(later);
    await redis.set(keys.wake('plain'), '1');
    await polls.schedule('f', 'plain', 1, later + 1);
    expect(await polls.dueAt('f', 'plain', 1)).toBe(0);
  });

  it('never grants more reads than the budget in any second, across callers', async () => {
    const now = Date.now();
    for (let i = 0; i < 50; i++) await polls.schedule('e', `b${i}`, 1, now - 1);
    const claims = await Promise.all(Array.from({ length: 10 }, () => polls.claim('e', 50, 7, 5000)));
    expect(claims.reduce((n, c) => n + c.members.length, 0)).toBe(7);
    const refused = claims.find((c) => c.members.length === 0)!;
    // The budget frees when the first grant's bucket leaves the counted 1.15–1.2 s (a second and a 150 ms margin).
    expect(refused.waitMs).toBeGreaterThan(1100);
    expect(refused.waitMs).toBeLessThanOrEqual(1200);
    await sleep(refused.waitMs + 20);
    expect((await polls.claim('e', 50, 7, 5000)).members).toHaveLength(7);
  });
});
