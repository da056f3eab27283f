/**
 * Usage counters in Redis: one hash per tenant and UTC day, in micro-dollars. The same counters enforce
 * `monthlyBudgetUsd` (checked against the month's running totals when a task is created) and answer `GET /v1/usage`.
 * Fields: `res` (open reservations), `spent` (settled), `sub|<action>` (accepted tasks),
 * `<outcome>|<action>|<provider>` (finished tasks) and `usd|<action>|<provider>` (settled cost).
 *
 * A reservation has no key of its own: it is written with its task (task-store.ts, in the same Lua call) as a member
 * `<taskId>|<day>|<micros>|<tenant>|<action>` of the open set (scored by when the task must have ended: the
 * reconciler's worklist), and its amount is kept in the task's record. Settling removes the member: once only.
 */
import type { Redis, Result } from 'ioredis';
import type { Keys } from './keys.js';
import { SETTLE } from './scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgSettle(...args: Array<string | number>): Result<number, Context>;
  }
}

/** Day hashes outlive a year of usage queries. */
export const USAGE_TTL_SEC = 400 * 86_400;

export type Outcome = 'succeeded' | 'failed' | 'canceled';

/** How a reservation ends: charged (0 releases) and counted under an outcome (null: not counted, the task is gone). */
export interface Settlement { provider: string; outcome: Outcome | null; chargedMicros: number }

export interface Reservation { taskId: string; day: string; micros: number; tenantId: string; action: string }

/** A reservation to settle: its task, and its member when known (else it is read from the task's record). */
export interface SettleTarget { taskId: string; day: string; tenantId: string; action: string; member?: string }

/** `YYYY-MM-DD` of a time in UTC. */
/** A task time (`createdAt`, as `toISOString` wrote it: `YYYY-MM-DDTHH:mm:ss.sssZ`) is read as it is, not parsed. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
export const utcDay = (at: Date | number | string) => (typeof at === 'string' && ISO_UTC.test(at) ? at.slice(0, 10) : new Date(at).toISOString().slice(0, 10));

/** Every UTC day from `from` to `to` (inclusive), as `YYYY-MM-DD`. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(utcDay(t));
  return out;
}

/** The open set's member of a reservation. None of its parts holds a `|` (ids, days, tenant ids, action names). */
export const reservationMember = (r: Reservation) => `${r.taskId}|${r.day}|${r.micros}|${r.tenantId}|${r.action}`;

/** The reservation a member stands for; for a bare task id (reserved by an older version) only `taskId`. */
export function parseReservationMember(member: string): Reservation | { taskId: string } {
  const [taskId = '', day, micros, tenantId, action] = member.split('|');
  return day && micros && tenantId && action ? { taskId, day, micros: Number(micros), tenantId, action } : { taskId };
}

export class UsageStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {
    redis.defineCommand('mjgSettle', { numberOfKeys: 5, lua: SETTLE });
  }

  /** Ends a task's reservation (see Settlement). Idempotent: false when there was nothing left to settle. */
  async settle(target: SettleTarget, s: Settlement): Promise<boolean> {
    const { taskId, day, tenantId, action } = target;
    const out = await this.redis.mjgSettle(
      this.keys.reservations, this.keys.usageDay(tenantId, day), this.keys.usageMonth(tenantId, day.slice(0, 7)), this.keys.task(taskId), this.keys.legacyReservation(taskId),
      target.member ?? '', taskId, day, tenantId, action, s.chargedMicros, s.outcome ? `${s.outcome}|${action}|${s.provider}` : '', `usd|${action}|${s.provider}`,
    );
    return out === 1;
  }

  /** A reservation made by an older version (a key of its own), or null. */
  async legacyReservation(taskId: string): Promise<Reservation | null> {
    const value = await this.redis.get(this.keys.legacyReservation(taskId));
    if (!value) return null;
    const [day = '', micros = '0', tenantId = '', action = ''] = value.split('|');
    return { taskId, day, micros: Number(micros), tenantId, action };
  }

  /** Members of the reservations still open past the time their task must have ended. */
  async overdue(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.reservations, '-inf', now, 'LIMIT', 0, limit);
  }

  /** Looks at an open reservation again later (its task is not final yet). */
  async postpone(member: string, until: number): Promise<void> {
    await this.redis.zadd(this.keys.reservations, 'XX', until, member);
  }

  /** Drops a member that stands for nothing any more (an older version's reservation whose key expired). */
  async forget(member: string): Promise<void> {
    await this.redis.zrem(this.keys.reservations, member);
  }

  /** The counters of each day in the range, merged by field. */
  async totals(tenantId: string, days: string[]): Promise<Map<string, number>> {
    const pipe = this.redis.pipeline();
    for (const d of days) pipe.hgetall(this.keys.usageDay(tenantId, d));
    const rows = (await pipe.exec()) ?? [];
    const out = new Map<string, number>();
    for (const [err, row] of rows) {
      if (err) throw err;
      for (const [field, v] of Object.entries((row ?? {}) as Record<string, string>)) out.set(field, (out.get(field) ?? 0) + Number(v));
    }
    return out;
  }
}
