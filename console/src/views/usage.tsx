/** The tenant's usage this month: tasks and USD by action and provider, and the budget. */
import { useEffect, useState } from 'preact/hooks';
import { client, ok } from '../api';
import type { components } from '../../../clients/typescript/src/schema';
import { Bars } from './bars';
import { usd } from './task-bits';

export type UsageReport = components['schemas']['Usage'];

export function UsageReportView({ usage }: { usage: UsageReport }) {
  const b = usage.budget;
  return (
    <>
      <p>{usage.from} – {usage.to}: {usage.totals.submitted} tasks, {usage.totals.succeeded} succeeded, {usage.totals.failed} failed, {usd(usage.totals.costUsd)}.</p>
      {usage.totals.orphanJobs > 0 && <p>{usage.totals.orphanJobs} orphan upstream jobs (a lost submit answer, sent again), estimated {usd(usage.totals.orphanCostUsd)}: not charged here, the provider may bill them.</p>}
      <p>Budget {b.month}: spent {usd(b.spentUsd)}{b.monthlyBudgetUsd !== null ? ` of ${usd(b.monthlyBudgetUsd)}` : ' (no limit)'}, reserved {usd(b.reservedUsd)}.</p>
      <div class="charts">
        <Bars title="Tasks by action" rows={Object.entries(usage.byAction).map(([k, v]) => [k, v.submitted])} format={String} />
        <Bars title="USD by action" rows={Object.entries(usage.byAction).map(([k, v]) => [k, v.costUsd])} format={usd} />
        <Bars title="USD by provider" rows={Object.entries(usage.byProvider).map(([k, v]) => [k, v.costUsd])} format={usd} />
      </div>
    </>
  );
}

const DAYS = 14;

/** One report per UTC day of the last DAYS days, oldest first (the API sums a range; a day is a range of one). */
async function byDay(): Promise<Array<[string, UsageReport]>> {
  const days = Array.from({ length: DAYS }, (_, i) => new Date(Date.now() - (DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10));
  return Promise.all(days.map(async (d) => [d, ok(await client.GET('/v1/usage', { params: { query: { from: d, to: d } } }))] as [string, UsageReport]));
}

export function Usage() {
  const [usage, setUsage] = useState<UsageReport | null>(null);
  const [days, setDays] = useState<Array<[string, UsageReport]>>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client.GET('/v1/usage').then((r) => setUsage(ok(r)), (err: Error) => setError(err.message));
    byDay().then(setDays, (err: Error) => setError(err.message));
  }, []);
  return (
    <section aria-labelledby="usage-title">
      <h1 id="usage-title">Usage</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {usage ? <UsageReportView usage={usage} /> : !error && <p>Loading…</p>}
      {days.length > 0 && (
        <div class="charts">
          <Bars title={`Tasks by day (last ${DAYS})`} rows={days.map(([d, u]) => [d.slice(5), u.totals.submitted])} format={String} />
          <Bars title={`USD by day (last ${DAYS})`} rows={days.map(([d, u]) => [d.slice(5), u.totals.costUsd])} format={usd} />
        </div>
      )}
    </section>
  );
}
