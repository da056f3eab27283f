/**
 * Admission to a provider: the tenant's concurrency cap and the provider's slots (store/slot-store.ts), taken in
 * that order and given back on every path out of the upstream (submit failure here; final status or resubmission
 * through the listener).
 */
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';

/** A slot outlives its task's deadline by this much, so a holder that vanished frees it on its own. */
const LEASE_MARGIN_MS = 60_000;

export const providerScope = (providerId: string) => `p:${providerId}`;
export const tenantScope = (tenantId: string) => `t:${tenantId}`;

type Deps = Pick<Runtime, 'slots' | 'providers'>;

/** Null when the task holds both slots, else why it must wait (and which line it waits in). */
export async function takeSlots(rt: Deps, rec: TaskRecord, providerId: string): Promise<{ scope: string; reason: string } | null> {
  const { task, priv } = rec;
  const max = rt.providers.get(providerId)!.config.maxConcurrency;
  const provider = { scope: providerScope(providerId), max };
  const scopes = priv.tenantCap !== undefined ? [{ scope: tenantScope(priv.tenantId), max: priv.tenantCap }, provider] : [provider];
  const blocked = await rt.slots.acquire(scopes, task.id, Date.parse(task.createdAt), priv.deadlineAt + LEASE_MARGIN_MS);
  if (blocked === null) return null;
  return blocked === provider.scope
    ? { scope: 'provider', reason: `${providerId} has all ${max} slots in use (maxConcurrency)` }
    : { scope: 'tenant', reason: `the tenant already has ${priv.tenantCap} tasks upstream (maxConcurrentTasks)` };
}

export async function releaseSlots(rt: Pick<Runtime, 'slots'>, taskId: string, tenantId: string, providerId: string | null): Promise<void> {
  await rt.slots.release(providerId ? [tenantScope(tenantId), providerScope(providerId)] : [tenantScope(tenantId)], taskId);
}

/** Upstream jobs in flight per provider (slots held). */
export function providersInUse(rt: Pick<Runtime, 'slots'>, providerIds: string[]): Promise<number[]> {
  return rt.slots.inUse(providerIds.map(providerScope));
}

/** Frees a task's slots when it leaves the upstream: a final status, or back to queued for another provider. */
export function registerSlotRelease(rt: Pick<Runtime, 'slots' | 'transitions'>): void {
  rt.transitions.onStatusChange(async (rec, previous) => {
    const leftUpstream = rec.task.status !== 'submitted' && rec.task.status !== 'running';
    if (!leftUpstream) return;
    // A submit answer may already say the job is done (queued → succeeded in one step): the provider is then only
    // on the new record.
    await releaseSlots(rt, rec.task.id, rec.priv.tenantId, previous.task.provider ?? rec.task.provider ?? rec.priv.waitingFor ?? null);
  });
}
