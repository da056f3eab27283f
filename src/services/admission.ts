/**
 * Admission to a provider: the tenant's concurrency cap and the provider's slots, taken in that order and given back
 * on every path out of the upstream (submit failure here; final status or resubmission through the listener).
 */
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import { providerScope, tenantScope } from './slots.js';

/** A slot outlives its task's deadline by this much, so a holder that vanished frees it on its own. */
const LEASE_MARGIN_MS = 60_000;

/** Null when the task holds both slots, else why it must wait (and which line it waits in). */
export async function takeSlots(rt: Runtime, rec: TaskRecord, providerId: string): Promise<{ scope: string; reason: string } | null> {
  const { task, priv } = rec;
  const order = Date.parse(task.createdAt);
  const lease = priv.deadlineAt + LEASE_MARGIN_MS;
  const tenant = tenantScope(priv.tenantId);
  if (priv.tenantCap !== undefined && !(await rt.slots.acquire(tenant, task.id, priv.tenantCap, order, lease))) {
    return { scope: 'tenant', reason: `the tenant already has ${priv.tenantCap} tasks upstream (maxConcurrentTasks)` };
  }
  const max = rt.providers.get(providerId)!.config.maxConcurrency;
  if (!(await rt.slots.acquire(providerScope(providerId), task.id, max, order, lease))) {
    if (priv.tenantCap !== undefined) await rt.slots.release(tenant, task.id);
    return { scope: 'provider', reason: `${providerId} has all ${max} slots in use (maxConcurrency)` };
  }
  return null;
}

export async function releaseSlots(rt: Runtime, taskId: string, tenantId: string, providerId: string | null): Promise<void> {
  await rt.slots.release(tenantScope(tenantId), taskId);
  if (providerId) await rt.slots.release(providerScope(providerId), taskId);
}

/** Frees a task's slots when it leaves the upstream: a final status, or back to queued for another provider. */
export function registerSlotRelease(rt: Runtime): void {
  rt.transitions.onStatusChange(async (rec, previous) => {
    const leftUpstream = rec.task.status !== 'submitted' && rec.task.status !== 'running';
    if (!leftUpstream) return;
    await releaseSlots(rt, rec.task.id, rec.priv.tenantId, previous.task.provider ?? rec.priv.waitingFor ?? null);
  });
}
