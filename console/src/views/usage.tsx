/** The tenant's usage this month: tasks and USD by action and provider, and the budget. */
import { useEffect, useState } from 'preact/hooks';
import { client, ok } from '../api';
import type { components } from '../api-types';
import { Bars } from './bars';
import { usd } from './task-bits';

export type UsageReport = components['schemas']['Usage'];

export function UsageReportView({ usage }: { usage: UsageReport }) {
  const b = usage.budget;
  return (
    <>
      <p>{usage.from} – {usage.to}: {usage.totals.submitted} tasks, {usage.totals.succeeded} succeeded, {usage.totals.failed} failed, {usd(usage.totals.costUsd)}.</p>
      <p>Budget {b.month}: spent {usd(b.spentUsd)}{b.monthlyBudgetUsd !== null ? ` of ${usd(b.monthlyBudgetUsd)}` : ' (no limit)'}, reserved {usd(b.reservedUsd)}.</p>
      <div class="charts">
        <Bars title="Tasks by action" rows={Object.entries(usage.byAction).map(([k, v]) => [k, v.submitted])} format={String} />
        <Bars title="USD by action" rows={Object.entries(usage.byAction).map(([k, v]) => [k, v.costUsd])} format={usd} />
        <Bars title="USD by provider" rows={Object.entries(usage.byProvider).map(([k, v]) => [k, v.costUsd])} format={usd} />
      </div>
    </>
  );
}

export function Usage() {
  const [usage, setUsage] = useState<UsageReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client.GET('/v1/usage').then((r) => setUsage(ok(r)), (err: Error) => setError(err.message));
  }, []);
  return (
    <section aria-labelledby="usage-title">
      <h1 id="usage-title">Usage</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {usage ? <UsageReportView usage={usage} /> : !error && <p>Loading…</p>}
    </section>
  );
}
