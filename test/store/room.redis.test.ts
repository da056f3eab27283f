/**
 * Slots and the waiting room on real Redis (src/store/room-store.ts, lua/room-*.lua): slots never over-handed, a
 * freed slot handed to the next waiter in the same call, first come first served within a tenant, tenants taking
 * turns, caps and circuits honoured at hand-off, one line per provider for a task that may run on several.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeys } from '../../src/store/keys.js';
import { RoomStore, type ProviderSlots } from '../../src/store/room-store.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

describe('slots and the waiting room on Redis', () => {
  const prefix = uniquePrefix();
  const keys = createKeys(prefix);
  let redis: Redis;
  let room: RoomStore;
  let n = 0;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    room = new RoomStore(redis, keys);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  /** A fresh provider id (tests share a prefix). */
  const provider = () => `p${++n}`;
  const lease = () => Date.now() + 60_000;
  const admit = (taskId: string, tenantId: string, candidates: ProviderSlots[], o: { cap?: number; order?: number; take?: boolean } = {}) =>
    room.admit({ taskId, tenantId, cap: o.cap ?? null, leaseUntil: lease(), jobId: `${taskId}-s1`, order: o.order ?? Date.now(), candidates, wait: true, take: o.take ?? true });
  const wakes = async () => (await redis.lrange(keys.wakes, 0, -1)).reverse();
  const holders = (p: string) => redis.zrange(keys.providerSlots(p), 0, -1);

  it('never hands out more slots than the maximum to racing admissions; the rest wait in line', async () => {
    const p = provider();
    const out = await Promise.all(Array.from({ length: 12 }, (_, i) => admit(`a${i}`, 'ta', [{ id: p, max: 3 }], { order: i })));
    expect(out.filter((o) => 'held' in o)).toHaveLength(3);
    expect(out.filter((o) => 'blocked' in o && o.blocked === 'provider')).toHaveLength(9);
    expect(await redis.zcard(keys.roomQueue(p, 'ta'))).toBe(9);
    expect((await room.waiting([p]))[0]).toMatchObject({ provider: p, tenant: 'ta', waiting: 9 });
  });

  it('lists every slot holder per provider and tenant, lapsed leases included, until released', async () => {
    const p = provider();
    const slots = [{ id: p, max: 5 }];
    expect(await admit('l1', 'tl', slots, { cap: 5 })).toEqual({ held: p });
    await room.admit({ taskId: 'l2', tenantId: 'tl', cap: 5, leaseUntil: Date.now() - 1000, jobId: 'l2-s1', order: 1, candidates: slots, wait: true, take: true });
    expect(await room.holders([p], ['tl'])).toEqual({ providers: { [p]: ['l2', 'l1'] }, tenants: { tl: ['l2', 'l1'] } });
    await room.release('l1', 'tl', slots, false);
    await room.release('l2', 'tl', slots, false);
    expect(await room.holders([p], ['tl'])).toEqual({ providers: { [p]: [] }, tenants: { tl: [] } });
  });

  it('hands a freed slot to the earliest waiter in the same call that frees it, and records its wake-up', async () => {
    const p = provider();
    const slots = [{ id: p, max: 1 }];
    await redis.del(keys.wakes);
    expect(await admit('h0', 'th', slots, { order: 0 })).toEqual({ held: p });
    for (let i = 1; i <= 3; i++) expect(await admit(`h${i}`, 'th', slots, { order: i })).toEqual({ blocked: 'provider' });
    expect(await room.release('h0', 'th', slots, true)).toBe(1);
    // No other call in between: the release itself made h1 the holder.
    expect(await holders(p)).toEqual(['h1']);
    expect(await wakes()).toEqual(['h1|h1-s1']);
    expect(await room.wasHanded('h1')).toBe(true);
    expect(await redis.zrange(keys.roomQueue(p, 'th'), 0, -1)).toEqual(['h2', 'h3']);
    // h1's job runs: it finds the slot it was handed.
    expect(await admit('h1', 'th', slots)).toEqual({ held: p });
    expect(await room.wasHanded('h1')).toBe(false);
    expect(await redis.zscore(keys.handed, 'h1')).toBeNull();
  });

  it('lets tenants take turns: a second tenant behind many of the first is served next', async () => {
    const p = provider();
    const slots = [{ id: p, max: 1 }];
    expect(await admit('big0', 'big', slots, { order: 0 })).toEqual({ held: p });
    for (let i = 1; i <= 50; i++) await admit(`big${i}`, 'big', slots, { order: i });
    await admit('small0', 'small', slots, { order: 100 });
    await room.release('big0', 'big', slots, true);
    expect(await holders(p)).toEqual(['big1']);
    await room.release('big1', 'big', slots, true);
    expect(await holders(p)).toEqual(['small0']);
    await room.release('small0', 'small', slots, true);
    expect(await holders(p)).toEqual(['big2']);
  });

  it("passes over a tenant at its cap and hands the slot to another tenant's task", async () => {
    const p = provider();
    const slots = [{ id: p, max: 2 }];
    expect(await admit('c1', 'capped', slots, { cap: 1 })).toEqual({ held: p });
    expect(await admit('c2', 'capped', slots, { cap: 1, order: 1 })).toEqual({ blocked: 'tenant' });
    expect(await admit('o1', 'other', slots, { order: 2 })).toEqual({ held: p });
    expect(await admit('o2', 'other', slots, { order: 3 })).toEqual({ blocked: 'provider' });
    // o1 ends: the capped tenant's c2 is first in line but its tenant holds its one slot; o2 gets it.
    await room.release('o1', 'other', slots, true);
    expect((await holders(p)).sort()).toEqual(['c1', 'o2']);
    // c1 ends: c2 may go now.
    await room.release('c1', 'capped', slots, true);
    expect((await holders(p)).sort()).toEqual(['c2', 'o2']);
    expect(await redis.zrange(keys.tenantSlots('capped'), 0, -1)).toEqual(['c2']);
  });

  it('hands no slot of a provider whose circuit is open, and one once it may let a probe through', async () => {
    const p = provider();
    const slots = [{ id: p, max: 3 }];
    expect(await admit('x1', 'tc', slots)).toEqual({ held: p });
    await redis.hset(keys.circuit(p), 'state', 'open', 'until', Date.now() + 60_000);
    // Open: the router only asks to wait; nothing is taken.
    expect(await admit('w1', 'tc', slots, { take: false, order: 1 })).toEqual({ blocked: 'provider' });
    expect(await admit('w2', 'tc', slots, { take: false, order: 2 })).toEqual({ blocked: 'provider' });
    expect(await room.release('x1', 'tc', slots, true)).toBe(0);
    expect(await room.dispatch(slots)).toBe(0);
    // Past its open time with no probe out: exactly one waiter is handed a slot (it will be the probe).
    await redis.hset(keys.circuit(p), 'until', Date.now() - 1);
    expect(await room.dispatch(slots)).toBe(1);
    expect(await holders(p)).toEqual(['w1']);
    await redis.hset(keys.circuit(p), 'state', 'closed');
    expect(await room.dispatch(slots)).toBe(1);
  });

  it('keeps a task eligible for two providers in both lines and lets the first slot to free take it', async () => {
    const [p, q] = [provider(), provider()];
    const both = [{ id: p, max: 1 }, { id: q, max: 1 }];
    expect(await admit('b1', 'tb', both)).toEqual({ held: p });
    expect(await admit('b2', 'tb', both)).toEqual({ held: q });
    expect(await admit('b3', 'tb', both, { order: 3 })).toEqual({ blocked: 'provider' });
    expect(await redis.zrange(keys.roomQueue(p, 'tb'), 0, -1)).toEqual(['b3']);
    expect(await redis.zrange(keys.roomQueue(q, 'tb'), 0, -1)).toEqual(['b3']);
    await room.release('b2', 'tb', both, true);
    expect(await holders(q)).toEqual(['b3']);
    expect(await redis.exists(keys.roomQueue(p, 'tb'), keys.roomQueue(q, 'tb'))).toBe(0);
    expect(await redis.lrange(keys.roomTenants(p), 0, -1)).toEqual([]);
    // b3's job: the slot it was handed, on q.
    expect(await admit('b3', 'tb', both)).toEqual({ held: q });
  });

  it('takes a canceled waiter out of every line and frees nothing it did not hold', async () => {
    const [p, q] = [provider(), provider()];
    const both = [{ id: p, max: 1 }, { id: q, max: 1 }];
    await admit('k1', 'tk', both);
    await admit('k2', 'tk', both);
    await admit('k3', 'tk', both, { order: 3 });
    expect(await room.release('k3', 'tk', both, true)).toBe(0);
    expect(await redis.exists(keys.waiter('k3'), keys.roomQueue(p, 'tk'), keys.roomQueue(q, 'tk'))).toBe(0);
    expect(await holders(p)).toEqual(['k1']);
    expect(await holders(q)).toEqual(['k2']);
  });

  it('hands over a slot whose lease ran out at the next admission or sweep, to the waiter first', async () => {
    const p = provider();
    const slots = [{ id: p, max: 1 }];
    await room.admit({ taskId: 'gone', tenantId: 'tl', cap: null, leaseUntil: Date.now() + 150, jobId: 'gone-s1', order: 0, candidates: slots, wait: true, take: true });
    expect(await admit('l1', 'tl', slots, { order: 1 })).toEqual({ blocked: 'provider' });
    await new Promise((r) => setTimeout(r, 200));
    // A newcomer finds the lapsed slot, but the waiter is served first.
    expect(await admit('l2', 'tl', slots, { order: 2 })).toEqual({ blocked: 'provider' });
    expect(await holders(p)).toEqual(['l1']);
  });

  it('says where a waiting task stands, tenants taking turns', async () => {
    const p = provider();
    const slots = [{ id: p, max: 1 }];
    await admit('s0', 'ta', slots, { order: 0 });
    for (let i = 1; i <= 5; i++) await admit(`sa${i}`, 'ta', slots, { order: i });
    for (let i = 1; i <= 2; i++) await admit(`sb${i}`, 'tb', slots, { order: 10 + i });
    expect(await room.position('sa1')).toMatchObject({ position: 1, ahead: 1, provider: p });
    expect(await room.position('sa4')).toMatchObject({ position: 4, ahead: 5 });
    expect(await room.position('sb2')).toMatchObject({ position: 2, ahead: 3 });
    expect(await room.position('s0')).toBeNull();
  });
});
