/**
 * Creating a task with its budget reservation in one Lua call, and settling that reservation (final transition,
 * reconciler, expired record, records and reservations written by the previous layout), on the real Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTaskId } from '../../src/domain/ids.js';
import { NOTHING_REPORTED, type TaskRecord } from '../../src/domain/task.js';
import { createKeys } from '../../src/store/keys.js';
import { TaskStore } from '../../src/store/task-store.js';
import { utcDay } from '../../src/domain/time.js';
import { reservationMember, UsageStore } from '../../src/store/usage-store.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

function record(tenantId: string, prompt = 'x'): TaskRecord {
  const now = Date.now();
  const at = new Date(now).toISOString();
  return {
    version: 1,
    task: { id: newTaskId(now), action: 'imagine', status: 'queued', progress: 0, provider: null, upstreamId: null, parentId: null, input: { action: 'imagine', prompt }, output: null, error: null, cost: null, attempts: [], metadata: {}, createdAt: at, updatedAt: at, submittedAt: null, finishedAt: null },
    priv: { tenantId, request: { action: 'imagine', prompt }, deadlineAt: now + 60_000, upstreamState: {}, phase: 'waiting', excluded: [], sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1 },
  };
}

describe('reservations written with their task', () => {
  const prefix = uniquePrefix();
  const keys = createKeys(prefix);
  let redis: Redis;
  let tasks: TaskStore;
  let usage: UsageStore;
  const day = utcDay(Date.now());
  const counters = (tenant: string) => redis.hgetall(keys.usageDay(tenant, day));
  const month = (tenant: string) => redis.hgetall(keys.usageMonth(tenant, day.slice(0, 7)));
  const keyCount = async () => {
    let n = 0;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      n += found.length;
    } while (cursor !== '0');
    return n;
  };
  const target = (rec: TaskRecord) => ({ taskId: rec.task.id, day: utcDay(rec.task.createdAt), tenantId: rec.priv.tenantId, action: rec.task.action });

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    tasks = new TaskStore(redis, keys, 1);
    usage = new UsageStore(redis, keys);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  it('writes the task, its reservation, its counters and its intake entry together, and nothing past the budget', async () => {
    const a = record('t-create');
    const plan = { micros: 80_000, limitMicros: 100_000, dueAt: Date.now() + 1000 };
    expect((await tasks.create(a, undefined, plan)).created).toBe(true);
    const member = reservationMember({ taskId: a.task.id, day, micros: 80_000, tenantId: 't-create', action: 'imagine' });
    expect(await redis.zscore(keys.reservations, member)).toBe(String(plan.dueAt));
    expect(await counters('t-create')).toEqual({ res: '80000', 'sub|imagine': '1' });
    expect(await month('t-create')).toEqual({ res: '80000' });
    // Usage keys expire a year and more after their first write (the first task of an action on a day sets it).
    for (const key of [keys.usageDay('t-create', day), keys.usageMonth('t-create', day.slice(0, 7))]) {
      expect(await redis.ttl(key)).toBeGreaterThan(399 * 86_400);
    }
    expect(await redis.lrange(keys.intake, 0, -1)).toContain(a.task.id);

    const b = record('t-create');
    const before = await keyCount();
    expect(await tasks.create(b, { keyHash: 'kb', bodyHash: 'hb' }, plan)).toEqual({ created: false, overBudget: { usedMicros: 80_000 } });
    // Refused: not the task, not the idempotency key, not a counter, not an intake entry.
    expect(await keyCount()).toBe(before);
    expect(await tasks.get(b.task.id)).toBeNull();
    expect(await redis.exists(keys.idempotency('t-create', 'kb'))).toBe(0);
    expect(await redis.lrange(keys.intake, 0, -1)).not.toContain(b.task.id);
    expect(await counters('t-create')).toEqual({ res: '80000', 'sub|imagine': '1' });
  });

  it('answers an idempotent repeat with the first task even past the budget, and counts it once', async () => {
    const plan = { micros: 80_000, limitMicros: 100_000, dueAt: Date.now() + 1000 };
    const a = record('t-idem');
    expect((await tasks.create(a, { keyHash: 'k', bodyHash: 'h' }, plan)).created).toBe(true);
    expect(await tasks.create(record('t-idem'), { keyHash: 'k', bodyHash: 'h' }, plan)).toEqual({ created: false, existing: { taskId: a.task.id, bodyHash: 'h' } });
    expect(await tasks.create(record('t-idem'), { keyHash: 'k', bodyHash: 'other' }, plan)).toEqual({ created: false, existing: { taskId: a.task.id, bodyHash: 'h' } });
    expect(await counters('t-idem')).toEqual({ res: '80000', 'sub|imagine': '1' });
    expect((await usage.overdue(Number.MAX_SAFE_INTEGER, 1000)).filter((m) => m.startsWith(`${a.task.id}|`))).toHaveLength(1);
  });

  it('counts a create run twice (its answer lost, the call sent again) once', async () => {
    const a = record('t-twice');
    const plan = { micros: 20_000, limitMicros: null, dueAt: Date.now() + 1000 };
    expect((await tasks.create(a, { keyHash: 'k2', bodyHash: 'h' }, plan)).created).toBe(true);
    expect((await tasks.create(a, { keyHash: 'k2', bodyHash: 'h' }, plan)).created).toBe(true);
    expect(await counters('t-twice')).toEqual({ res: '20000', 'sub|imagine': '1' });
    expect((await redis.lrange(keys.intake, 0, -1)).filter((id) => id === a.task.id)).toHaveLength(1);
  });

  it('settles a live task once from its record, whoever settles it', async () => {
    const a = record('t-settle');
    await tasks.create(a, undefined, { micros: 80_000, limitMicros: null, dueAt: Date.now() + 1000 });
    const done = await tasks.update(a.task.id, (r) => ({ ...r, task: { ...r.task, status: 'succeeded', provider: 'p1', output: NOTHING_REPORTED, error: null, finishedAt: new Date().toISOString() } }));
    expect(done?.changed).toBe(true);
    const settled = await Promise.all(Array.from({ length: 5 }, () => usage.settle(target(a), { provider: 'p1', outcome: 'succeeded', chargedMicros: 70_000 })));
    expect(settled.filter(Boolean)).toHaveLength(1);
    expect(await counters('t-settle')).toEqual({ res: '0', spent: '70000', 'sub|imagine': '1', 'succeeded|imagine|p1': '1', 'usd|imagine|p1': '70000' });
    expect(await month('t-settle')).toEqual({ res: '0', spent: '70000' });
    expect(await redis.zrangebyscore(keys.reservations, '-inf', '+inf')).not.toContainEqual(expect.stringContaining(a.task.id));
  });

  it('releases the reservation of a task whose record expired, from its member alone', async () => {
    const a = record('t-expired');
    await tasks.create(a, undefined, { micros: 80_000, limitMicros: null, dueAt: 5 });
    await redis.del(keys.task(a.task.id));
    const [member] = (await usage.overdue(10, 100)).filter((m) => m.startsWith(a.task.id));
    expect(member).toBeDefined();
    expect(await usage.settle(target(a), { provider: '(none)', outcome: null, chargedMicros: 0 })).toBe(false); // nothing to read it from
    const byMember = { ...target(a), member: member! };
    expect(await usage.settle(byMember, { provider: '(none)', outcome: null, chargedMicros: 0 })).toBe(true);
    expect(await usage.settle(byMember, { provider: '(none)', outcome: null, chargedMicros: 0 })).toBe(false);
    expect(await counters('t-expired')).toEqual({ res: '0', spent: '0', 'sub|imagine': '1' });
  });
});
