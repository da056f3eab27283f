/**
 * The poll schedule: when each in-flight upstream job is read next, and the provider's poll budget, in Redis.
 *
 * Per provider, two sorted sets of `<taskId>:<generation>` members: `due` (scored by the time of the next read) and
 * `run` (claimed by a worker, scored by the end of its lease). A worker claims due members in one Lua call that also
 * spends the provider's poll budget, so a read is never made that the budget has not granted, whichever worker makes
 * it. When the read is done the worker moves the member back to `due` (next read) or drops it (the task is final or
 * moved on); a worker that dies leaves its members in `run` until their lease ends, then the next claim hands them
 * back to `due`. One member is ~100 bytes of Redis per in-flight task, against ~1 KB for a delayed queue job.
 *
 * The budget: reads granted per provider are counted in buckets of a twentieth of the budget window (1 s, or longer
 * for budgets under one read a second) in a small hash; a claim counts the current bucket and the COUNTED - 1
 * before it (1.15–1.2 windows) and grants at most the budget minus that. Any span of one window plus 150 ms touches
 * at most COUNTED buckets, so reads arriving at the provider up to 150 ms apart from one another's grant times
 * (network, a busy event loop) still never put more than `pollsPerSecond` into any sliding second. The price: a
 * provider kept busy sees about 85 % of its budget on average.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { pollClaim, pollFinish, pollSchedule } from './scripts.js';
import { subscribe, type RedisAddress, type Subscription } from './connections.js';

/** Buckets a window is cut into, and buckets a claim counts (the window plus a margin of 3 buckets: 150 ms). */
export const BUCKETS_PER_WINDOW = 20;
const COUNTED = BUCKETS_PER_WINDOW + 4;

export interface Claim {
  /** `<taskId>:<generation>` members now leased to the caller. */
  members: string[];
  /** The lease end they were claimed with (pass it back to finish()). */
  leaseEnd: number;
  /** When nothing was claimed: ms until something may be (a member comes due or the budget frees); -1: none scheduled. */
  waitMs: number;
}

export interface ScheduleCounts { due: number; scheduled: number; running: number }

export const pollMember = (taskId: string, generation: number) => `${taskId}:${generation}`;

export function parseMember(member: string): { taskId: string; generation: number } {
  const at = member.lastIndexOf(':');
  return { taskId: member.slice(0, at), generation: Number(member.slice(at + 1)) };
}

/**
 * The budget window and its grants: `pollsPerSecond` a second, or for a budget under one read a second, one read per
 * `1 / pollsPerSecond` seconds. Fractions of a read are not granted (2.5/s grants 2 in any second).
 */
export function budgetWindow(pollsPerSecond: number): { grants: number; bucketMs: number } {
  if (pollsPerSecond >= 1) return { grants: Math.floor(pollsPerSecond), bucketMs: 1000 / BUCKETS_PER_WINDOW };
  return { grants: 1, bucketMs: Math.ceil(1000 / pollsPerSecond / BUCKETS_PER_WINDOW) };
}

export class PollSchedule {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  /** Claims up to `max` due reads of the provider, as many as its budget grants now. */
  async claim(providerId: string, max: number, pollsPerSecond: number, leaseMs: number): Promise<Claim> {
    const { grants, bucketMs } = budgetWindow(pollsPerSecond);
    const out = await runScript(this.redis, this.keys, pollClaim, { providerId, max, grants, bucketMs, leaseMs, bucketsCounted: COUNTED });
    const [wait, leaseEnd, ...members] = out;
    return { members: members.map(String), leaseEnd: Number(leaseEnd), waitMs: Number(wait) };
  }

  /** Ends a claimed read: the next one at `nextAt` (ms epoch), or none (null). False when the lease was lost. */
  async finish(providerId: string, member: string, leaseEnd: number, nextAt: number | null): Promise<boolean> {
    const { taskId } = parseMember(member);
    return (await runScript(this.redis, this.keys, pollFinish, { providerId, taskId, member, leaseEnd, nextAt })) === 1;
  }

  /** Schedules the first read of an upstream job (idempotent: a member already scheduled or running is left alone). */
  async schedule(providerId: string, taskId: string, generation: number, at: number): Promise<boolean> {
    return (await runScript(this.redis, this.keys, pollSchedule, { providerId, taskId, member: pollMember(taskId, generation), at })) === 1;
  }

  /** Moves a scheduled read to the front of the line (a callback says the job changed). False if it is not waiting. */
  async wake(providerId: string, taskId: string, generation: number): Promise<boolean> {
    const changed = await this.redis.zadd(this.keys.pollsDue(providerId), 'XX', 'CH', 0, pollMember(taskId, generation));
    if (changed) await this.redis.publish(this.keys.pollWakeChannel, providerId);
    return changed === 1;
  }

  /** Calls `onWake(providerId)` whenever a callback brings a read of that provider forward (any process). */
  subscribeWakes(redisUrl: RedisAddress, onWake: (providerId: string) => void, onError: (err: Error) => void): Subscription {
    return subscribe(redisUrl, this.keys.pollWakeChannel, { onMessage: onWake, onError });
  }

  /** Hands claimed reads back for any worker to take at once (a worker shutting down with reads in flight). */
  async release(providerId: string, members: string[], leaseEnd: number): Promise<void> {
    await Promise.all(members.map((m) => this.finish(providerId, m, leaseEnd, Date.now())));
  }

  /** The next read of a member, if it is waiting (for tests and support). */
  async dueAt(providerId: string, taskId: string, generation: number): Promise<number | null> {
    const s = await this.redis.zscore(this.keys.pollsDue(providerId), pollMember(taskId, generation));
    return s === null ? null : Number(s);
  }

  /** Drops a member wherever it is (tests: simulate a lost schedule entry). */
  async forget(providerId: string, taskId: string, generation: number): Promise<void> {
    const m = pollMember(taskId, generation);
    await Promise.all([this.redis.zrem(this.keys.pollsDue(providerId), m), this.redis.zrem(this.keys.pollsRunning(providerId), m)]);
  }

  /** Reads waiting and due now, waiting for later, and being made, for the given providers together. */
  async counts(providerIds: string[], now = Date.now()): Promise<ScheduleCounts> {
    const out: ScheduleCounts = { due: 0, scheduled: 0, running: 0 };
    const rows = await Promise.all(providerIds.map((id) => Promise.all([
      this.redis.zcount(this.keys.pollsDue(id), '-inf', now), this.redis.zcard(this.keys.pollsDue(id)), this.redis.zcard(this.keys.pollsRunning(id)),
    ])));
    for (const [due, all, running] of rows) {
      out.due += due;
      out.scheduled += all - due;
      out.running += running;
    }
    return out;
  }
}
