/**
 * Slots and the waiting room, in Redis. A provider's `maxConcurrency` and a tenant's `maxConcurrentTasks` are
 * counting semaphores: holders in a sorted set scored by lease end (a holder that vanished frees its slot when its
 * lease runs out). A task that finds no slot waits in line at no cost: one entry per provider it may run on, in a
 * per-tenant FIFO, the tenants of a provider taking turns (round-robin). Whoever frees a slot hands it, in the same
 * Lua call, to the next eligible waiter (its tenant under its cap, the provider's circuit letting traffic through),
 * takes the waiter out of every other line, and records a wake-up: `<taskId>|<jobId>` on the `wakes` list, which a
 * worker pops to promote the waiter's delayed submission job. A sweep (`dispatch`) repairs what a crash left: slots
 * freed by lapsed leases, hand-offs whose wake-up was lost (`handed`), circuits that may take traffic again.
 * Scripts: lua/room-*.lua, sharing lua/includes/room.lua.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { roomAdmit, roomDispatch, roomPosition, roomReclaim, roomRelease, type ProviderSlots, type RoomAdmitInput } from './scripts.js';

export type { ProviderSlots } from './scripts.js';

export type Admission = { held: string } | { blocked: 'tenant' | 'provider' };

export interface QueuePosition { position: number; ahead: number; provider: string; since: number }

export interface WaitingGroup { provider: string; tenant: string; waiting: number; oldestAt: number | null }

export class RoomStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  /** A slot for the task (one it was handed, or a free one of the first candidate that has one), or why not. */
  async admit(input: Omit<RoomAdmitInput, 'now'>, now = Date.now()): Promise<Admission> {
    const [ok, what] = await runScript(this.redis, this.keys, roomAdmit, { ...input, now });
    return ok === 1 ? { held: what } : { blocked: what };
  }

  /** Frees the task's slots and place in line; with `handOff`, the freed slots go to waiters at once. */
  release(taskId: string, tenantId: string, providers: ProviderSlots[], handOff: boolean, now = Date.now()): Promise<number> {
    return runScript(this.redis, this.keys, roomRelease, { taskId, tenantId, providers, handOff, now });
  }

  /**
   * Ends the drain of a task canceled while its upstream job ran (the job ended): frees its provider slot and hands it
   * on. Idempotent, like every release.
   */
  endDrain(taskId: string, tenantId: string, providers: ProviderSlots[], now = Date.now()): Promise<number> {
    return runScript(this.redis, this.keys, roomRelease, { taskId, tenantId, providers, handOff: true, now, endsDrain: true });
  }

  /** Whether the task is canceled with its upstream job still holding a provider slot. */
  async isDraining(taskId: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.draining, taskId)) !== null;
  }

  /** Hands every provider's free slots to waiters (the sweep). */
  dispatch(providers: ProviderSlots[], now = Date.now()): Promise<number> {
    return runScript(this.redis, this.keys, roomDispatch, { providers, now });
  }

  /** Frees the slots held by tasks that are final or gone (a crash between their end and the release); the count freed. */
  reclaim(providers: ProviderSlots[], tenantIds: string[], now = Date.now()): Promise<number> {
    return runScript(this.redis, this.keys, roomReclaim, { providers, tenantIds, now });
  }

  /** True when the task was handed a slot whose wake-up its job has not consumed yet. */
  async wasHanded(taskId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.handoff(taskId))) === 1;
  }

  /** Tasks handed a slot before `before` whose job has not run since (their wake-up may be lost). */
  staleHandoffs(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.handed, '-inf', before, 'LIMIT', 0, limit);
  }

  /** Notes that a stale hand-off's job was woken again (it is looked at again only if that is lost too). */
  async handoffRewoken(taskId: string, now = Date.now()): Promise<void> {
    await this.redis.zadd(this.keys.handed, 'XX', now, taskId);
  }

  /** Forgets a hand-off whose task no longer waits for anything (gone, or moved on). */
  async forgetHandoff(taskId: string): Promise<void> {
    await Promise.all([this.redis.zrem(this.keys.handed, taskId), this.redis.del(this.keys.handoff(taskId))]);
  }

  /** Where a waiting task stands, or null when it is not in line. */
  async position(taskId: string): Promise<QueuePosition | null> {
    const out = await runScript(this.redis, this.keys, roomPosition, { taskId });
    return out ? { position: Number(out[0]), ahead: Number(out[1]), provider: out[2], since: Number(out[3]) } : null;
  }

  /** Slot holders right now per provider (leases still running). */
  inUse(providerIds: string[], now = Date.now()): Promise<number[]> {
    return Promise.all(providerIds.map((id) => this.redis.zcount(this.keys.providerSlots(id), `(${now}`, '+inf')));
  }

  /** Every slot holder per provider and per tenant, lapsed leases included (what a leak check counts). */
  async holders(providerIds: string[], tenantIds: string[]): Promise<{ providers: Record<string, string[]>; tenants: Record<string, string[]> }> {
    const read = (key: string) => this.redis.zrange(key, 0, -1);
    const [p, t] = await Promise.all([
      Promise.all(providerIds.map((id) => read(this.keys.providerSlots(id)))),
      Promise.all(tenantIds.map((id) => read(this.keys.tenantSlots(id)))),
    ]);
    return {
      providers: Object.fromEntries(providerIds.map((id, i) => [id, p[i]!])),
      tenants: Object.fromEntries(tenantIds.map((id, i) => [id, t[i]!])),
    };
  }

  /** Tasks waiting per provider and tenant, with the arrival of the oldest. */
  async waiting(providerIds: string[]): Promise<WaitingGroup[]> {
    const out: WaitingGroup[] = [];
    await Promise.all(providerIds.map(async (provider) => {
      const tenants = [...new Set(await this.redis.lrange(this.keys.roomTenants(provider), 0, -1))];
      const rows = await Promise.all(tenants.map((tenant) => Promise.all([
        this.redis.zcard(this.keys.roomQueue(provider, tenant)),
        this.redis.zrange(this.keys.roomQueue(provider, tenant), 0, 0, 'WITHSCORES'),
      ])));
      tenants.forEach((tenant, i) => {
        const [waiting, head] = rows[i]!;
        if (waiting > 0) out.push({ provider, tenant, waiting, oldestAt: head[1] ? Number(head[1]) : null });
      });
    }));
    return out;
  }
}
