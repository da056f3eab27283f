/**
 * Admission to a provider: the tenant's concurrency cap and the provider's slots, taken together, or a place in line
 * (store/room-store.ts) from which the task is handed a slot when one frees. Slots are given back on every path out
 * of the upstream (submit failure here; final status or resubmission through the listener), and giving one back
 * hands it to the next waiter in the same Redis call.
 */
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import type { Admission, ProviderSlots } from '../store/room-store.js';

/** A slot outlives its task's deadline by this much, so a holder that vanished frees it on its own. */
const LEASE_MARGIN_MS = 60_000;

/** Every configured provider with its slot count (what a release may free and hand over). */
export const allSlots = (rt: Pick<Runtime, 'providers'>): ProviderSlots[] => [...rt.providers.entries.values()].map((e) => ({ id: e.config.id, max: e.config.maxConcurrency }));

export interface AdmitOptions {
  /** The job that runs the task's submission (the one a hand-off wakes). */
  jobId: string;
  /** Take a free slot now (false: the candidates cannot take traffic now, only wait for them). */
  take: boolean;
}

/** A slot of the first candidate that has one (with the tenant's), or a place in line for all of them. */
export function admit(rt: Pick<Runtime, 'room' | 'providers'>, rec: TaskRecord, candidates: string[], o: AdmitOptions): Promise<Admission> {
  const { task, priv } = rec;
  return rt.room.admit({
    taskId: task.id, tenantId: priv.tenantId, cap: priv.tenantCap ?? null, leaseUntil: priv.deadlineAt + LEASE_MARGIN_MS, jobId: o.jobId,
    order: Date.parse(task.createdAt), wait: true, take: o.take,
    candidates: candidates.map((id) => ({ id, max: rt.providers.get(id)!.config.maxConcurrency })),
  });
}

/** Why a task waits, for its `waitReason` (and its timeout message if it never leaves the line). */
export function waitReason(rt: Pick<Runtime, 'providers'>, rec: TaskRecord, candidates: string[], blocked: 'tenant' | 'provider'): string {
  if (blocked === 'tenant') return `the tenant already has ${rec.priv.tenantCap} tasks upstream (maxConcurrentTasks)`;
  return candidates.map((id) => `${id} has all ${rt.providers.get(id)!.config.maxConcurrency} slots in use (maxConcurrency)`).join('; ');
}

/** Frees the task's slots and place in line; `handOff`: the slots go to the next waiters at once. */
export async function releaseSlots(rt: Pick<Runtime, 'room' | 'providers'>, taskId: string, tenantId: string, handOff = true): Promise<void> {
  await rt.room.release(taskId, tenantId, allSlots(rt), handOff);
}

/** Upstream jobs in flight per provider (slots held). */
export function providersInUse(rt: Pick<Runtime, 'room'>, providerIds: string[]): Promise<number[]> {
  return rt.room.inUse(providerIds);
}

/**
 * Frees a task's slots when it leaves the upstream (a final status, or back to queued for another provider), and its
 * place in line when it ends while waiting (canceled, past its deadline): in the same Redis step as the status write
 * (store/lua/update-task-2.lua), so a process dying right after the write leaves nothing held.
 */
export function registerSlotRelease(rt: Pick<Runtime, 'tasks' | 'providers'>): void {
  rt.tasks.releaseSlotsOnLeave(allSlots(rt));
}

/** Frees the slots of tasks that are final or gone (the sweep's repair); the number freed. */
export async function reclaimSlots(rt: Pick<Runtime, 'room' | 'providers' | 'tenants'>): Promise<number> {
  return rt.room.reclaim(allSlots(rt), await rt.tenants.ids());
}
