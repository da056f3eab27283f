import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../src/services/circuit.js';
import { CircuitStore } from '../../src/store/circuit-store.js';
import { createKeys } from '../../src/store/keys.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

const cfg = { windowMs: 10_000, minRequests: 4, failureRatio: 0.5, openMs: 1000, longOpenMs: 5000, probeTimeoutMs: 3000 };

describe('circuit breakers on Redis', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let circuits: CircuitBreakers;
  const transitions: string[] = [];
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    circuits = new CircuitBreakers(new CircuitStore(redis, createKeys(prefix)), cfg, (p, to) => transitions.push(`${p}:${to}`));
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
});
