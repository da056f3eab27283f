/**
 * The sweeper (`maintenance` queue, repeated): fails tasks past their deadline whatever became of their jobs,
 * re-enqueues tasks whose enqueue was cut short by a crash, and trims tenant indexes past retention.
 *
 * A new task is in `unqueued` from its creation until its submission job first runs. Normally a worker's intake
 * (jobs/intake.ts) adds that job within milliseconds; an id the intake popped but never added (a crash, an outage)
 * is only in `unqueued`, and is added here. An id still waiting on the intake list (no worker was running, or a
 * backlog) may be added by both: the job id is derived from the task, so the second add is a no-op, and a job that
 * finds its task moved on returns.
 */
import { timeOut } from '../domain/task.js';
import { taskIdFloor } from '../domain/ids.js';
import type { Runtime } from '../runtime.js';

const BATCH = 500;
/** A task written this long ago whose submission job never ran lost its enqueue (≤ 10 s: the intake takes ms). */
const enqueueGraceMs = (sweepIntervalMs: number) => Math.min(10_000, 5 * sweepIntervalMs);

export interface SweepReport { timedOut: number; requeued: number }

export async function sweep(rt: Pick<Runtime, 'config' | 'log' | 'tasks' | 'tenants' | 'transitions' | 'queues' | 'media'>, now = Date.now()): Promise<SweepReport> {
  const report: SweepReport = { timedOut: 0, requeued: 0 };
  const overdue = await rt.tasks.overdue(now, BATCH);
  for (const id of overdue) {
    const out = await rt.transitions.apply(id, timeOut);
    if (out?.changed) report.timedOut++;
    if (!out) await rt.tasks.dropActive(id); // the record itself is gone
  }

  const unqueued = await rt.tasks.unqueuedBefore(now - enqueueGraceMs(rt.config.workers.sweepIntervalMs), BATCH);
  for (const id of unqueued) {
    const rec = await rt.tasks.get(id);
    if (rec && rec.task.status === 'queued') {
      await rt.queues.enqueueSubmission(id, rec.priv.generation);
      report.requeued++;
    }
    await rt.tasks.markEnqueued(id);
  }

  const floor = taskIdFloor(now - rt.config.taskRetentionDays * 86_400_000);
  for (const tenantId of await rt.tenants.ids()) await rt.tasks.trimIndex(tenantId, floor);
  // Media follows the task retention: expired objects and crashed writes go.
  await rt.media.sweep(now);
  if (report.timedOut || report.requeued) rt.log.info(report, 'sweep');
  return report;
}
