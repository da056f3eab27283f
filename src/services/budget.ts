/**
 * Budgets and usage: a task's estimated price is reserved at submit (402 past `monthlyBudgetUsd`), settled at its
 * end with the reported cost (released when it fails or is canceled). `GET /v1/usage` reads the same counters.
 */
import type { CanonicalRequest } from '../../providers/types.js';
import { eligible } from '../domain/routing.js';
import type { TaskRecord } from '../domain/task.js';
import { apiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { Tenant } from '../store/tenant-store.js';
import { daysBetween, utcDay, type Outcome, type UsageStore } from '../store/usage-store.js';
import { estimateUsd, fromMicros, priceUsd, toMicros } from './prices.js';

/** Key of `byProvider` for tasks that ended before any provider took them. */
export const NO_PROVIDER = '(none)';

/** How long after its deadline a task's reservation may stay open before the reconciler looks at it. */
const RECONCILE_GRACE_MS = 5 * 60_000;

export interface UsageCounts { submitted: number; succeeded: number; failed: number; canceled: number; costUsd: number }
export interface UsageReport {
  from: string;
  to: string;
  totals: UsageCounts & { reservedUsd: number };
  byAction: Record<string, UsageCounts>;
  byProvider: Record<string, Omit<UsageCounts, 'submitted'>>;
  budget: { month: string; monthlyBudgetUsd: number | null; spentUsd: number; reservedUsd: number; remainingUsd: number | null };
}

/** Where the task may run: its parent's provider, or every provider eligible for it now. */
function candidateProviders(rt: Runtime, tenant: Tenant, req: CanonicalRequest, requested?: string, pinned?: string): string[] {
  if (pinned) return [pinned];
  return eligible(rt.providers.candidates(req), { allowList: tenant.providers, pinned: requested, excluded: [] }).ok.map((c) => c.id);
}

/** Reserves the task's estimate at `at`; throws 402 `budget_exceeded` when the month would pass the budget. */
export async function reserveBudget(
  rt: Runtime, tenant: Tenant, taskId: string, req: CanonicalRequest, at: Date, opts: { requested?: string; pinned?: string; idempotencyKeyHash?: string },
): Promise<void> {
  const estimate = estimateUsd(rt.config, candidateProviders(rt, tenant, req, opts.requested, opts.pinned), req.action);
  const limit = tenant.monthlyBudgetUsd === undefined ? null : toMicros(tenant.monthlyBudgetUsd);
  // Still open past this time, the reservation means the task's final listeners never ran: the reconciler ends it.
  const dueAt = at.getTime() + (req.action === 'video' ? rt.config.deadlines.videoMs : rt.config.deadlines.imageMs) + RECONCILE_GRACE_MS;
  const out = await rt.usage.reserve(tenant.id, taskId, req.action, toMicros(estimate), limit, at, dueAt);
  if (out.ok) return;
  // A repeat of an accepted request is answered with its task, not refused: it costs nothing new.
  if (opts.idempotencyKeyHash && (await rt.redis.exists(rt.keys.idempotency(tenant.id, opts.idempotencyKeyHash)))) return;
  const usedUsd = fromMicros(out.usedMicros);
  throw apiError(
    'budget_exceeded',
    `this ${req.action} is estimated at $${estimate} and the month's spent + reserved is $${usedUsd}: that would pass the monthly budget of $${tenant.monthlyBudgetUsd} (raise monthlyBudgetUsd or wait for the next UTC month)`,
    { monthlyBudgetUsd: tenant.monthlyBudgetUsd, usedUsd, estimateUsd: estimate },
  );
}

/** Gives back a reservation for a task that was never created (an idempotent repeat, or a failed write). */
export async function cancelReservation(rt: Runtime, taskId: string): Promise<void> {
  await rt.usage.settle(taskId, { provider: NO_PROVIDER, outcome: null, chargedMicros: 0, uncount: true });
}

/** Settles a final task: the reported cost (or the list price when none was reported) for a success, nothing else. */
export async function settleTask(rt: Runtime, rec: TaskRecord): Promise<void> {
  const t = rec.task;
  const outcome = t.status as Outcome;
  const provider = t.provider ?? NO_PROVIDER;
  const charged = outcome !== 'succeeded' ? 0 : t.cost ? t.cost.amountUsd : t.provider ? priceUsd(rt.config, t.provider, t.action) : 0;
  await rt.usage.settle(t.id, { provider, outcome, chargedMicros: toMicros(charged) });
}

/** Settles every task that reaches a final status, whichever process wrote it. */
export function registerBudgetSettle(rt: Runtime): void {
  rt.transitions.onStatusChange(async (rec) => {
    if (rec.task.status !== 'succeeded' && rec.task.status !== 'failed' && rec.task.status !== 'canceled') return;
    // A failure here must not fail the transition that was already stored.
    await settleTask(rt, rec).catch((err: Error) => rt.log.error({ taskId: rec.task.id, err: err.message }, 'budget settle failed'));
  });
}

const emptyCounts = (): UsageCounts => ({ submitted: 0, succeeded: 0, failed: 0, canceled: 0, costUsd: 0 });

/** Counts and cost by action and provider over UTC days `from`..`to`, plus the current month's budget. */
export async function usageReport(usage: UsageStore, tenant: Tenant, from: string, to: string, now = new Date()): Promise<UsageReport> {
  const fields = await usage.totals(tenant.id, daysBetween(from, to));
  const byAction: Record<string, UsageCounts> = {};
  const byProvider: Record<string, Omit<UsageCounts, 'submitted'>> = {};
  const totals = { ...emptyCounts(), reservedUsd: fromMicros(fields.get('res') ?? 0) };
  let costMicros = 0;
  for (const [field, n] of fields) {
    const [kind = '', action = '', provider = ''] = field.split('|');
    const a = (byAction[action] ??= emptyCounts());
    if (kind === 'sub') {
      a.submitted += n;
      totals.submitted += n;
    } else if (kind === 'usd') {
      a.costUsd += n;
      (byProvider[provider] ??= { succeeded: 0, failed: 0, canceled: 0, costUsd: 0 }).costUsd += n;
      costMicros += n;
    } else if (kind === 'succeeded' || kind === 'failed' || kind === 'canceled') {
      a[kind] += n;
      totals[kind] += n;
      (byProvider[provider] ??= { succeeded: 0, failed: 0, canceled: 0, costUsd: 0 })[kind] += n;
    }
  }
  // Amounts were summed in micro-dollars; dollars only at the edge, so totals equal the sum of their parts.
  for (const c of [...Object.values(byAction), ...Object.values(byProvider)]) c.costUsd = fromMicros(c.costUsd);
  totals.costUsd = fromMicros(costMicros);

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
