/**
 * Budgets and usage: a task's estimated price is reserved at submit (402 past `monthlyBudgetUsd`; written with the task
 * itself, see task-store.ts), settled at its end with the reported cost (released when it fails or is canceled before
 * a provider took it; a task canceled while its provider ran it is charged the price, as canceled cost).
 * `GET /v1/usage` reads the same counters.
 */
import type { CanonicalRequest } from '../../providers/types.js';
import type { TaskRecord } from '../domain/task.js';
import { apiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { Tenant } from '../store/tenant-store.js';
import type { NewReservation } from '../store/task-store.js';
import { daysBetween, utcDay } from '../domain/time.js';
import { reservationMember, type Outcome, type UsageStore } from '../store/usage-store.js';
import { estimateUsd, fromMicros, priceUsd, toMicros } from './prices.js';

/** Key of `byProvider` for tasks that ended before any provider took them. */
export const NO_PROVIDER = '(none)';

/** How long after its deadline a task's reservation may stay open before the reconciler looks at it. */
const RECONCILE_GRACE_MS = 5 * 60_000;

/** `canceledCostUsd`: the part of `costUsd` charged for tasks canceled while their provider ran them. */
export interface UsageCounts { submitted: number; succeeded: number; failed: number; canceled: number; costUsd: number; canceledCostUsd: number }
/** Orphan upstream jobs (services/orphans.ts) and their estimated price: not charged to the tenant, shown apart. */
export interface OrphanCounts { orphanJobs: number; orphanCostUsd: number }
export type ProviderUsage = Omit<UsageCounts, 'submitted'> & OrphanCounts;
export interface UsageReport {
  from: string;
  to: string;
  totals: UsageCounts & OrphanCounts & { reservedUsd: number };
  byAction: Record<string, UsageCounts>;
  byProvider: Record<string, ProviderUsage>;
  budget: { month: string; monthlyBudgetUsd: number | null; spentUsd: number; reservedUsd: number; remainingUsd: number | null };
}

/** What accepting a task reserves: its estimate, the tenant's monthly limit, and when the reconciler looks at it. */
export interface ReservationPlan extends NewReservation { estimateUsd: number }

/**
 * The reservation of a task accepted at `at` that may run on `providerIds` (the estimate is the dearest of them:
 * failover can move it). It is written (or refused past the budget) by the task store in the same Lua call that
 * creates the task, so a task is never created without it, nor it without the task.
 */
export function planReservation(rt: Pick<Runtime, 'config'>, tenant: Tenant, req: CanonicalRequest, at: Date, providerIds: string[]): ReservationPlan {
  const estimate = estimateUsd(rt.config, providerIds, req.action);
  // Still open past this time, the reservation means the task's final listeners never ran: the reconciler ends it.
  const dueAt = at.getTime() + (req.action === 'video' ? rt.config.deadlines.videoMs : rt.config.deadlines.imageMs) + RECONCILE_GRACE_MS;
  return { estimateUsd: estimate, micros: toMicros(estimate), limitMicros: tenant.monthlyBudgetUsd === undefined ? null : toMicros(tenant.monthlyBudgetUsd), dueAt };
}

/** 402 `budget_exceeded`: the month's spent + reserved (`usedMicros`) plus the estimate would pass the budget. */
export function budgetExceeded(tenant: Tenant, req: CanonicalRequest, plan: ReservationPlan, usedMicros: number) {
  const usedUsd = fromMicros(usedMicros);
  return apiError(
    'budget_exceeded',
    `this ${req.action} is estimated at $${plan.estimateUsd} and the month's spent + reserved is $${usedUsd}: that would pass the monthly budget of $${tenant.monthlyBudgetUsd} (raise monthlyBudgetUsd or wait for the next UTC month)`,
    { monthlyBudgetUsd: tenant.monthlyBudgetUsd, usedUsd, estimateUsd: plan.estimateUsd },
  );
}

/**
 * Where a task's reservation is: its day (the task's creation day, UTC), tenant and action, and its member in the
 * open set when the record says what was reserved (else the settle script reads it from the stored record).
 */
export function reservationOf(rec: TaskRecord) {
  const target = { taskId: rec.task.id, day: utcDay(rec.task.createdAt), tenantId: rec.priv.tenantId, action: rec.task.action };
  return rec.reservedMicros === undefined ? target : { ...target, member: reservationMember({ ...target, micros: rec.reservedMicros }) };
}

/**
 * Settles a final task: a success is charged its reported cost (or the list price when none was reported); a task
 * canceled while its provider ran it, the cost it carries (the provider charged at submit; counted as canceled cost);
 * anything else nothing.
 */
export async function settleTask(rt: Pick<Runtime, 'config' | 'usage'>, rec: TaskRecord): Promise<void> {
  const t = rec.task;
  const outcome = t.status as Outcome;
  const provider = t.provider ?? NO_PROVIDER;
  const succeeded = t.cost ? t.cost.amountUsd : t.provider ? priceUsd(rt.config, t.provider, t.action) : 0;
  const charged = outcome === 'succeeded' ? succeeded : outcome === 'canceled' ? (t.cost?.amountUsd ?? 0) : 0;
  await rt.usage.settle(reservationOf(rec), { provider, outcome, chargedMicros: toMicros(charged) });
}

/** Settles every task that reaches a final status, whichever process wrote it. */
export function registerBudgetSettle(rt: Pick<Runtime, 'config' | 'usage' | 'log' | 'transitions'>): void {
  rt.transitions.onStatusChange(async (rec) => {
    if (rec.task.status !== 'succeeded' && rec.task.status !== 'failed' && rec.task.status !== 'canceled') return;
    // A failure here must not fail the transition that was already stored.
    await settleTask(rt, rec).catch((err: Error) => rt.log.error({ taskId: rec.task.id, err: err.message }, 'budget settle failed'));
  });
}

const emptyCounts = (): UsageCounts => ({ submitted: 0, succeeded: 0, failed: 0, canceled: 0, costUsd: 0, canceledCostUsd: 0 });

/** Counts and cost by action and provider over UTC days `from`..`to`, plus the current month's budget. */
export async function usageReport(usage: UsageStore, tenant: Tenant, from: string, to: string, now = new Date()): Promise<UsageReport> {
  const fields = await usage.totals(tenant.id, daysBetween(from, to));
  const byAction: Record<string, UsageCounts> = {};
  const byProvider: Record<string, ProviderUsage> = {};
  const totals = { ...emptyCounts(), orphanJobs: 0, orphanCostUsd: 0, reservedUsd: fromMicros(fields.get('res') ?? 0) };
  const providerRow = (p: string) =>
    (byProvider[p] ??= { succeeded: 0, failed: 0, canceled: 0, costUsd: 0, canceledCostUsd: 0, orphanJobs: 0, orphanCostUsd: 0 });
  let costMicros = 0;
  let canceledMicros = 0;
  let orphanMicros = 0;
  for (const [field, n] of fields) {
    const [kind = '', action = '', provider = ''] = field.split('|');
    // Month-wide fields (`res`, `spent`) name no action: they are no row of byAction.
    if (!action) continue;
    // Orphan jobs are the provider's, not the task's: no row of byAction.
    if (kind === 'orphan' || kind === 'orphanusd') {
      if (kind === 'orphan') {
        providerRow(provider).orphanJobs += n;
        totals.orphanJobs += n;
      } else {
        providerRow(provider).orphanCostUsd += n;
        orphanMicros += n;
      }
      continue;
    }
    const a = (byAction[action] ??= emptyCounts());
    if (kind === 'sub') {
      a.submitted += n;
      totals.submitted += n;
    } else if (kind === 'usd' || kind === 'cusd') {
      const p = providerRow(provider);
      a.costUsd += n;
      p.costUsd += n;
      costMicros += n;
      if (kind === 'cusd') {
        a.canceledCostUsd += n;
        p.canceledCostUsd += n;
        canceledMicros += n;
      }
    } else if (kind === 'succeeded' || kind === 'failed' || kind === 'canceled') {
      a[kind] += n;
      totals[kind] += n;
      providerRow(provider)[kind] += n;
    }
  }
  // Amounts were summed in micro-dollars; dollars only at the edge, so totals equal the sum of their parts.
  for (const c of [...Object.values(byAction), ...Object.values(byProvider)]) {
    c.costUsd = fromMicros(c.costUsd);
    c.canceledCostUsd = fromMicros(c.canceledCostUsd);
  }
  for (const c of Object.values(byProvider)) c.orphanCostUsd = fromMicros(c.orphanCostUsd);
  totals.costUsd = fromMicros(costMicros);
  totals.canceledCostUsd = fromMicros(canceledMicros);
  totals.orphanCostUsd = fromMicros(orphanMicros);

  const today = utcDay(now);
  const month = await usage.totals(tenant.id, daysBetween(`${today.slice(0, 8)}01`, today));
  const spent = month.get('spent') ?? 0;
  const reserved = month.get('res') ?? 0;
  const limit = tenant.monthlyBudgetUsd;
  return {
    from, to, totals, byAction, byProvider,
    budget: {
      month: today.slice(0, 7), monthlyBudgetUsd: limit ?? null, spentUsd: fromMicros(spent), reservedUsd: fromMicros(reserved),
      remainingUsd: limit === undefined ? null : Math.max(0, fromMicros(toMicros(limit) - spent - reserved)),
    },
  };
}
