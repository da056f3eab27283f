/**
 * Progress that moves when a provider reports none (Legnext): the share of the provider's mean run time for the
 * action that has passed, capped below 100 until the task is final, and marked `progressEstimated: true`.
 */
import type { JobSnapshot } from '../../providers/types.js';
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import type { DurationStore } from '../store/duration-store.js';

/** An estimate never claims more than this. */
export const ESTIMATE_CAP = 95;

export const estimate = (elapsedMs: number, meanMs: number) => Math.max(0, Math.min(ESTIMATE_CAP, Math.floor((elapsedMs / meanMs) * 100)));

/** The snapshot with an estimated progress when it is running without one and a mean is known; `estimated` says so. */
export async function withEstimate(durations: DurationStore, rec: TaskRecord, snap: JobSnapshot, now = Date.now()): Promise<{ snap: JobSnapshot; estimated: boolean }> {
  if (snap.status !== 'running' || snap.progress !== undefined || !rec.task.provider) return { snap, estimated: false };
  const mean = await durations.average(rec.task.provider, rec.task.action, now).catch(() => undefined);
  if (!mean) return { snap, estimated: false };
  const started = Date.parse(rec.task.submittedAt ?? rec.task.createdAt);
  return { snap: { ...snap, progress: estimate(now - started, mean) }, estimated: true };
}

/** Marks (or unmarks) the next record's progress as an estimate; a succeeded task's 100 is never one. */
export function markEstimate(next: TaskRecord | null, estimated: boolean): TaskRecord | null {
  if (!next) return next;
  const flag = estimated && next.task.status !== 'succeeded';
  if (flag === (next.task.progressEstimated === true)) return next;
  const { progressEstimated: _p, ...task } = next.task;
  return { ...next, task: flag ? { ...task, progressEstimated: true } : task };
}

/** Records each succeeded job's run time (submitted → finished), whichever process wrote the transition. */
export function registerDurations(rt: Pick<Runtime, 'transitions' | 'log'>, durations: DurationStore): void {
  rt.transitions.onStatusChange((rec) => {
    const t = rec.task;
    if (t.status !== 'succeeded' || !t.provider || !t.submittedAt || !t.finishedAt) return;
    durations.record(t.provider, t.action, Date.parse(t.finishedAt) - Date.parse(t.submittedAt));
  });
}
