import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../src/services/circuit.js';
import { CircuitStore } from '../../src/store/circuit-store.js';
import { SlotStore } from '../../src/store/slot-store.js';
import { createKeys } from '../../src/store/keys.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

const cfg = { windowMs: 10_000, minRequests: 4, failureRatio: 0.5, openMs: 1000, longOpenMs: 5000, probeTimeoutMs: 3000 };

describe('circuit breakers and slots on Redis', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let circuits: CircuitBreakers;
  let slots: SlotStore;
  const transitions: string[] = [];
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    circuits = new CircuitBreakers(new CircuitStore(redis, createKeys(prefix)), cfg, (p, to) => transitions.push(`${p}:${to}`));
    slots = new SlotStore(redis, createKeys(prefix), 5000);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  it('opens on the failure ratio only after the minimum of requests', async () => {
    const t = 1_000_000;
    expect(await circuits.record('p1', 'unavailable', 0, t)).toBe('closed');
    expect(await circuits.record('p1', 'unavailable', 0, t + 1)).toBe('closed');
    expect(await circuits.record('p1', 'ok', 0, t + 2)).toBe('closed');
    expect(await circuits.record('p1', 'timeout', 0, t + 3)).toBe('open'); // 3 of 4 failed
    expect(await circuits.pass('p1', t + 10)).toBe('open');
    expect(transitions).toContain('p1:open');
  });

  it('does not count content or validation errors as sickness', async () => {
    const t = 2_000_000;
    for (let i = 0; i < 10; i++) expect(await circuits.record('p2', i % 2 ? 'content_rejected' : 'invalid_request', 0, t + i)).toBe('closed');
  });

  it('lets exactly one probe through when half-open, and closes on its success', async () => {
    const t = 3_000_000;
    await circuits.record('p3', 'quota_exhausted', 0, t);
    expect((await circuits.view(['p3'], t + 1)).p3).toMatchObject({ state: 'open', reason: 'quota_exhausted', openUntil: t + 5000 });
    const gates = await Promise.all(Array.from({ length: 20 }, () => circuits.pass('p3', t + 5001)));
    expect(gates.filter((g) => g === 'probe')).toHaveLength(1);
    expect(gates.filter((g) => g === 'open')).toHaveLength(19);
    expect(await circuits.record('p3', 'ok', 0, t + 5002)).toBe('closed');
    expect(await circuits.pass('p3', t + 5003)).toBe('closed');
  });

  it('reopens when the probe fails, and honours Retry-After on a 429', async () => {
    const t = 4_000_000;
    await circuits.record('p4', 'auth_invalid', 0, t);
    expect(await circuits.pass('p4', t + 5001)).toBe('probe');
    expect(await circuits.record('p4', 'unavailable', 0, t + 5002)).toBe('open');
    expect(await circuits.pass('p4', t + 5003)).toBe('open');
    await circuits.record('p5', 'rate_limited', 2500, t);
    expect((await circuits.view(['p5'], t)).p5!.openUntil).toBe(t + 2500);
  });

  const take = (scope: string, member: string, max: number, order: number, lease: number, now: number) => slots.acquire([{ scope, max }], member, order, lease, now).then((b) => b === null);

  it('never hands out more slots than the maximum to racing acquirers, and serves waiters in order', async () => {
    const now = Date.now();
    const got = await Promise.all(Array.from({ length: 12 }, (_, i) => take('s1', `m${i}`, 3, i, now + 60_000, now)));
    expect(got.filter(Boolean)).toHaveLength(3);
    const holders = got.flatMap((g, i) => (g ? [`m${i}`] : []));
    await slots.release(['s1'], holders[0]!);
    // The freed slot goes to the earliest waiter, not to whoever asks first.
    const late = await take('s1', 'm11', 3, 11, now + 60_000, now);
    const first = got.findIndex((g) => !g);
    const early = await take('s1', `m${first}`, 3, first, now + 60_000, now);
    expect([late, early]).toEqual([false, true]);
    expect((await slots.inUse(['s1'], now))[0]).toBe(3);
  });

  it('frees a slot whose lease ran out (a holder that vanished)', async () => {
    const now = Date.now();
    expect(await take('s2', 'gone', 1, 0, now + 100, now)).toBe(true);
    expect(await take('s2', 'next', 1, 1, now + 60_000, now + 50)).toBe(false);
    expect(await take('s2', 'next', 1, 1, now + 60_000, now + 200)).toBe(true);
  });

  it('takes the tenant and provider slots together or not at all', async () => {
    const now = Date.now();
    const scopes = (p: number) => [{ scope: 't:x', max: 5 }, { scope: 'p:y', max: p }];
    expect(await slots.acquire(scopes(1), 'a', 0, now + 60_000, now)).toBeNull();
    // The provider is full: the tenant slot taken on the way is given back.
    expect(await slots.acquire(scopes(1), 'b', 1, now + 60_000, now)).toBe('p:y');
    expect(await slots.inUse(['t:x', 'p:y'], now)).toEqual([1, 1]);
    await slots.release(['t:x', 'p:y'], 'a');
    expect(await slots.acquire(scopes(1), 'b', 1, now + 60_000, now)).toBeNull();
  });
});
