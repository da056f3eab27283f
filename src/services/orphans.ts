/**
 * Orphan upstream jobs. A submit whose answer was lost (a timeout, a worker that died mid-submit) is sent again to the
 * same provider; the first job may still run there, and be billed. The provider reports such a job through a
 * callback on the earlier submit's URL naming a job id no task knows; it is recorded once, counted in
 * `mjg_orphan_upstream_jobs_total` and in the tenant's usage with its estimated price.
 *
 * Each callback's job id is kept under its token. A callback on a spent token (the task has moved on to another
 * submit) is judged at once; one on the token of the submit in flight cannot be yet, so the submission job judges it
 * when that submit's outcome is known (`settleSighting`). A callback that comes while the two cross is judged by
 * both; recording is idempotent.
 */
import { randomToken } from '../domain/ids.js';
import { utcDay } from '../domain/time.js';
import type { Runtime } from '../runtime.js';
import { priceUsd, toMicros } from './prices.js';

type Deps = Pick<Runtime, 'config' | 'log' | 'tasks' | 'orphans' | 'metrics'>;


export interface OrphanSighting {
  provider: string;
  upstreamId: string;
  via: 'callback';
  /** The task whose submit made it, when known (then its tenant and action are too). */
  taskId?: string;
}

/** Records a sighting once per provider and job id; true when it was new. */
export async function recordOrphan(rt: Deps, s: OrphanSighting, now = new Date()): Promise<boolean> {
  const rec = s.taskId ? await rt.tasks.get(s.taskId) : null;
  const action = rec?.task.action ?? null;
  const estimate = action ? priceUsd(rt.config, s.provider, action) : 0;
  const job = {
    id: `orp_${randomToken(12)}`, provider: s.provider, upstreamId: s.upstreamId, seenAt: now.toISOString(), via: s.via,
    taskId: s.taskId ?? null, tenantId: rec?.priv.tenantId ?? null, action, estimatedCostUsd: estimate,
  };
  // Counted on the task's own day, like the task: usage for a day then shows what that day's submits cost upstream.
  const fresh = await rt.orphans.record(job, toMicros(estimate), utcDay(rec?.task.createdAt ?? now.getTime()));
  if (fresh) {
    rt.metrics.orphanJobs.inc({ provider: s.provider, tenant: job.tenantId ?? '' });
    rt.log.warn({ provider: s.provider, upstreamId: s.upstreamId, taskId: job.taskId, via: s.via }, 'orphan upstream job: the provider runs a job no task knows');
  }
  return fresh;
}

/** Records `jobId` as an orphan of the task unless some task (this one included) knows it. */
async function judge(rt: Deps, providerId: string, taskId: string, jobId: string): Promise<boolean> {
  if ((await rt.tasks.taskForUpstream(providerId, jobId)) !== null) return false;
  const rec = await rt.tasks.get(taskId);
  if (rec?.task.upstreamId === jobId && rec.task.provider === providerId) return false;
  await recordOrphan(rt, { provider: providerId, upstreamId: jobId, via: 'callback', taskId });
  return true;
}

/**
 * A callback on `token` (issued for one submit of `taskId`) naming `jobId`: kept under the token, and judged now
 * unless it belongs to the submit still in flight. True when it was recorded as an orphan.
 */
export async function sightCallbackJob(rt: Deps, providerId: string, token: string, taskId: string, jobId: string): Promise<boolean> {
  const known = await rt.tasks.get(taskId);
  if (!known || known.task.upstreamId === jobId) return false; // the usual callback: the task's own job
  // Kept first, then the task read again: a submit that settles in between either sees it or is seen here.
  // Kept like the token: until an hour past the task's deadline, by when any submit of it has ended.
  await rt.tasks.saveCallbackJob(token, jobId, Math.max(60, Math.ceil((known.priv.deadlineAt - Date.now()) / 1000) + 3600));
  const rec = await rt.tasks.get(taskId);
  if (!rec || rec.task.upstreamId === jobId) return false;
  if (rec.priv.callbackToken === token && rec.priv.phase === 'submitting') return false; // the submission job judges it
  return judge(rt, providerId, taskId, jobId);
}

/**
 * A submit's outcome is known (`acceptedId`, or null when it failed or its worker died): a job a callback named for
 * its token that is not the accepted one is an orphan.
 */
export async function settleSighting(rt: Deps, providerId: string, token: string | undefined, taskId: string, acceptedId: string | null): Promise<void> {
  if (!token) return;
  const jobId = await rt.tasks.callbackJob(token);
  if (jobId && jobId !== acceptedId) await judge(rt, providerId, taskId, jobId);
}
