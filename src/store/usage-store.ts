/**
 * Usage counters in Redis: one hash per tenant and UTC day, in micro-dollars. The same counters enforce
 * `monthlyBudgetUsd` (checked against the month's running totals when a task is created) and answer `GET /v1/usage`.
 * Fields: `res` (open reservations), `spent` (settled), `sub|<action>` (accepted tasks),
 * `<outcome>|<action>|<provider>` (finished tasks), `usd|<action>|<provider>` (settled cost),
 * `cusd|<action>|<provider>` (settled cost of tasks canceled while their provider ran them), and
 * `orphan|<action>|<provider>` / `orphanusd|<action>|<provider>` (orphan upstream jobs, orphan-store.ts).
 *
 * A reservation has no key of its own: it is written with its task (task-store.ts, in the same Lua call) as a member
 * `<taskId>|<day>|<micros>|<tenant>|<action>` of the open set (scored by when the task must have ended: the
 * reconciler's worklist), and its amount is kept in the task's record. Settling removes the member: once only.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { settle } from './scripts.js';

/** Day hashes outlive a year of usage queries. */
export const USAGE_TTL_SEC = 400 * 86_400;

export type Outcome = 'succeeded' | 'failed' | 'canceled';

/** How a reservation ends: charged (0 releases) and counted under an outcome (null: not counted, the task is gone). */
export interface Settlement { provider: string; outcome: Outcome | null; chargedMicros: number }

export interface Reservation { taskId: string; day: string; micros: number; tenantId: string; action: string }

/** A reservation to settle: its task, and its member when known (else it is read from the task's record). */
export interface SettleTarget { taskId: string; day: string; tenantId: string; action: string; member?: string }

/** The open set's member of a reservation. None of its parts holds a `|` (ids, days, tenant ids, action names). */
export const reservationMember = (r: Reservation) => `${r.taskId}|${r.day}|${r.micros}|${r.tenantId}|${r.action}`;

/** The reservation a member stands for. */
export function parseReservationMember(member: string): Reservation {
  const [taskId = '', day = '', micros = '0', tenantId = '', action = ''] = member.split('|');
  return { taskId, day, micros: Number(micros), tenantId, action };
}

export class UsageStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  /** Ends a task's reservation (see Settlement). Idempotent: false when there was nothing left to settle. */
  async settle(target: SettleTarget, s: Settlement): Promise<boolean> {
    const out = await runScript(this.redis, this.keys, settle, {
      ...target, chargedMicros: s.chargedMicros, outcomeField: s.outcome ? `${s.outcome}|${target.action}|${s.provider}` : undefined, costField: `${s.outcome === 'canceled' ? 'cusd' : 'usd'}|${target.action}|${s.provider}`,
    });
    return out === 1;
  }

  /** Members of the reservations still open past the time their task must have ended. */
  async overdue(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.reservations, '-inf', now, 'LIMIT', 0, limit);
  }

  /** Looks at an open reservation again later (its task is not final yet). */
  async postpone(member: string, until: number): Promise<void> {
    await this.redis.zadd(this.keys.reservations, 'XX', until, member);
  }

  /** The counters of each day in the range, merged by field. */
  async totals(tenantId: string, days: string[]): Promise<Map<string, number>> {
    const rows = await Promise.all(days.map((d) => this.redis.hgetall(this.keys.usageDay(tenantId, d))));
    const out = new Map<string, number>();
    for (const row of rows) {
      for (const [field, v] of Object.entries(row)) out.set(field, (out.get(field) ?? 0) + Number(v));
    }
    return out;
  }
}
