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
import type { Redis, Result } from 'ioredis';
import type { Keys } from './keys.js';

/** Buckets a window is cut into, and buckets a claim counts (the window plus a margin of 3 buckets: 150 ms). */
export const BUCKETS_PER_WINDOW = 20;
const COUNTED = BUCKETS_PER_WINDOW + 4;

/**
 * KEYS: due, run, budget hash
 * ARGV: most members wanted, budget per window (≥ 1), bucket length ms, lease ms, buckets counted
 * Returns {0, leaseEnd, member…} when members were claimed, else {ms until something may be claimable (-1: nothing
 * scheduled), 0}.
 */
const CLAIM = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local want = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local bucketMs = tonumber(ARGV[3])
local leaseEnd = now + tonumber(ARGV[4])
local counted = tonumber(ARGV[5])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, m in ipairs(stale) do
  redis.call('ZREM', KEYS[2], m)
  redis.call('ZADD', KEYS[1], 'NX', now, m)
end
local cur = math.floor(now / bucketMs)
local fields = {}
for i = 0, counted - 1 do fields[i + 1] = tostring(cur - i) end
local counts = redis.call('HMGET', KEYS[3], unpack(fields))
local used = 0
local oldest = nil
for i = counted, 1, -1 do
  local c = tonumber(counts[i]) or 0
  if c > 0 and oldest == nil then oldest = cur - i + 1 end
  used = used + c
end
local room = budget - used
if room <= 0 then
  return {math.max(1, (oldest + counted) * bucketMs - now), 0}
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, math.min(want, room))
if #due == 0 then
  local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if nxt[2] then return {math.max(1, tonumber(nxt[2]) - now), 0} end
  return {-1, 0}
end
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], leaseEnd, m)
end
redis.call('HINCRBY', KEYS[3], tostring(cur), #due)
redis.call('PEXPIRE', KEYS[3], (counted + 1) * bucketMs)
if redis.call('HLEN', KEYS[3]) > 2 * counted then
  for _, f in ipairs(redis.call('HKEYS', KEYS[3])) do
    if tonumber(f) <= cur - counted then redis.call('HDEL', KEYS[3], f) end
  end
end
return {0, leaseEnd, unpack(due)}
`;

/**
 * KEYS: due, run, the task's wake flag
 * ARGV: member, lease end it was claimed with, next read (ms epoch; -1: no more reads)
 * A wake flag left by a provider callback during the read makes the next read immediate (score 0: first in line).
 * Returns 1, or 0 when the lease was lost meanwhile (another worker has the member now).
 */
const FINISH = `
local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not s or tonumber(s) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] ~= '-1' then
  local at = ARGV[3]
  if redis.call('EXISTS', KEYS[3]) == 1 then at = '0' end
  redis.call('ZADD', KEYS[1], at, ARGV[1])
end
return 1
`;

/**
 * KEYS: due, run, the task's wake flag. ARGV: member, first read (ms epoch).
 * Adds the member unless it is already scheduled or being read (a repeat changes nothing). A wake flag left by a
 * provider callback (the job ended before its submit was even recorded) is taken and makes the read immediate.
 * Returns 1 when added.
 */
const SCHEDULE = `
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
if redis.call('DEL', KEYS[3]) == 1 then return redis.call('ZADD', KEYS[1], 0, ARGV[1]) end
return redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgPollClaim(...args: Array<string | number>): Result<Array<number | string>, Context>;
    mjgPollFinish(...args: Array<string | number>): Result<number, Context>;
    mjgPollSchedule(...args: Array<string | number>): Result<number, Context>;
  }
}

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
  constructor(private readonly redis: Redis, private readonly keys: Keys) {
    redis.defineCommand('mjgPollClaim', { numberOfKeys: 3, lua: CLAIM });
    redis.defineCommand('mjgPollFinish', { numberOfKeys: 3, lua: FINISH });
    redis.defineCommand('mjgPollSchedule', { numberOfKeys: 3, lua: SCHEDULE });
  }

  private due(providerId: string): string {
    return `${this.keys.prefix}:polls:${providerId}:due`;
  }

  private run(providerId: string): string {
    return `${this.keys.prefix}:polls:${providerId}:run`;
  }

  private budget(providerId: string): string {
    return `${this.keys.prefix}:polls:${providerId}:budget`;
  }

  /** Channel on which a provider callback tells the workers that a read of that provider is due now. */
  get wakeChannel(): string {
    return `${this.keys.prefix}:polls:wake`;
  }

  /** Claims up to `max` due reads of the provider, as many as its budget grants now. */
  async claim(providerId: string, max: number, pollsPerSecond: number, leaseMs: number): Promise<Claim> {
    const { grants, bucketMs } = budgetWindow(pollsPerSecond);
    const out = await this.redis.mjgPollClaim(this.due(providerId), this.run(providerId), this.budget(providerId), max, grants, bucketMs, leaseMs, COUNTED);
    const [wait, leaseEnd, ...members] = out;
    return { members: members.map(String), leaseEnd: Number(leaseEnd), waitMs: Number(wait) };
  }

  /** Ends a claimed read: the next one at `nextAt` (ms epoch), or none (null). False when the lease was lost. */
  async finish(providerId: string, member: string, leaseEnd: number, nextAt: number | null): Promise<boolean> {
    const { taskId } = parseMember(member);
    const out = await this.redis.mjgPollFinish(this.due(providerId), this.run(providerId), this.keys.wake(taskId), member, leaseEnd, nextAt === null ? -1 : Math.round(nextAt));
    return out === 1;
  }

  /** Schedules the first read of an upstream job (idempotent: a member already scheduled or running is left alone). */
  async schedule(providerId: string, taskId: string, generation: number, at: number): Promise<boolean> {
    return (await this.redis.mjgPollSchedule(this.due(providerId), this.run(providerId), this.keys.wake(taskId), pollMember(taskId, generation), Math.round(at))) === 1;
  }

  /** Moves a scheduled read to the front of the line (a callback says the job changed). False if it is not waiting. */
  async wake(providerId: string, taskId: string, generation: number): Promise<boolean> {
    const changed = await this.redis.zadd(this.due(providerId), 'XX', 'CH', 0, pollMember(taskId, generation));
    if (changed) await this.redis.publish(this.wakeChannel, providerId);
    return changed === 1;
  }

  /** Hands claimed reads back for any worker to take at once (a worker shutting down with reads in flight). */
  async release(providerId: string, members: string[], leaseEnd: number): Promise<void> {
    await Promise.all(members.map((m) => this.finish(providerId, m, leaseEnd, Date.now())));
  }

  /** The next read of a member, if it is waiting (for tests and support). */
  async dueAt(providerId: string, taskId: string, generation: number): Promise<number | null> {
    const s = await this.redis.zscore(this.due(providerId), pollMember(taskId, generation));
    return s === null ? null : Number(s);
  }

  /** Drops a member wherever it is (tests: simulate a lost schedule entry). */
  async forget(providerId: string, taskId: string, generation: number): Promise<void> {
    const m = pollMember(taskId, generation);
    await this.redis.pipeline().zrem(this.due(providerId), m).zrem(this.run(providerId), m).exec();
  }

  /** Reads waiting and due now, waiting for later, and being made, for the given providers together. */
  async counts(providerIds: string[], now = Date.now()): Promise<ScheduleCounts> {
    const pipe = this.redis.pipeline();
    for (const id of providerIds) pipe.zcount(this.due(id), '-inf', now).zcard(this.due(id)).zcard(this.run(id));
    const rows = ((await pipe.exec()) ?? []).map(([, v]) => Number(v ?? 0));
    const out: ScheduleCounts = { due: 0, scheduled: 0, running: 0 };
    for (let i = 0; i < rows.length; i += 3) {
      out.due += rows[i]!;
      out.scheduled += rows[i + 1]! - rows[i]!;
      out.running += rows[i + 2]!;
    }
    return out;
  }
}
