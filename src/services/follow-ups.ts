/** Writes `task.followUps` when a task succeeds, from the capabilities of the provider that ran it. */
import { followUpsOf } from '../domain/follow-ups.js';
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';

export function withFollowUps(rt: Pick<Runtime, 'providers'>, rec: TaskRecord): TaskRecord {
  const entry = rec.task.provider ? rt.providers.get(rec.task.provider) : undefined;
  const followUps = entry ? followUpsOf(rec.task, (req) => rt.providers.unsupported(entry, req) === null) : [];
  return { ...rec, task: { ...rec.task, followUps } };
}

export function registerFollowUps(rt: Pick<Runtime, 'providers' | 'transitions'>): void {
  rt.transitions.onSuccess = (rec) => withFollowUps(rt, rec);
}
