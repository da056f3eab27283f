/**
 * Submission jobs (`submissions` queue): route the task, take its slots, pass the provider's circuit, mark the task
 * `submitting`, send it upstream and record the attempt. Errors are classified and decided by `afterSubmitError`:
 * retry later (the job moves itself to delayed), fail over at once (next provider, same run), or fail the task.
 * A task with no free slot (or whose providers are all open) waits in line (services/admission.ts): its job sleeps
 * until the task's deadline and is promoted when a slot is handed to it, so a waiting task costs nothing.
 */
import { DelayedError, type Job } from 'bullmq';
import { ProviderError, type ParentRef } from '../../providers/types.js';
import { afterSubmitError, healthOutcome } from '../domain/failover.js';
import { requestBalanceCheck } from './balance.js';
import { addAttempt, applySnapshot, failTask, isFinal, live, parentRefOf, timeOut, touch, type TaskRecord } from '../domain/task.js';
import type { TaskErrorCode } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { admit, releaseSlots, waitReason } from '../services/admission.js';
import type { ProviderEntry } from '../services/providers.js';
import { chooseProviders } from '../services/router.js';
import { issueCallbackUrl } from '../services/callbacks.js';
import { settleSighting } from '../services/orphans.js';
import type { TaskJobData } from './queues.js';

const REJECTED = new Set(['content_rejected', 'invalid_request', 'auth_invalid', 'quota_exhausted', 'rate_limited']);

export const upstreamOf = (err: ProviderError) => ({ status: err.upstream.status ?? null, code: err.upstream.code ?? null, message: err.upstream.message ?? null });

/** A routing failure's message with the last upstream error behind it (e.g. ECONNREFUSED at the last provider). */
function withCause(message: string, rec: TaskRecord): string {
  const last = rec.task.attempts.findLast((a) => a.error);
  return last?.error ? `${message}; last error at ${last.provider}: ${last.error.message}` : message;
}

/** How soon a submit held back for want of a replica is tried again. */
const REPLICA_RETRY_MS = 1000;

type Deps = Pick<Runtime, 'config' | 'log' | 'tasks' | 'transitions' | 'providers' | 'circuits' | 'room' | 'polls' | 'metrics' | 'queues' | 'balances' | 'orphans'>;

async function parentRef(rt: Pick<Runtime, 'tasks'>, rec: TaskRecord): Promise<ParentRef | undefined | null> {
  if (!rec.task.parentId) return undefined;
  const parent = await rt.tasks.get(rec.task.parentId);
  return parent ? parentRefOf(parent) : null;
}

/** Registers an unguessable callback URL for this upstream job when the gateway is reachable and the provider calls back. */
async function callbackFor(rt: Pick<Runtime, 'config' | 'tasks'>, entry: ProviderEntry, rec: TaskRecord): Promise<{ url?: string; token?: string }> {
  if (!rt.config.publicUrl || !entry.adapter.capabilities.callbacks) return {};
  return issueCallbackUrl(rt, rt.config.publicUrl, entry.config.id, rec.task.id, rec.priv.deadlineAt);
}

export function createSubmissionProcessor(rt: Deps) {
  const { metrics } = rt;
  const fail = (id: string, code: TaskErrorCode, message: string) => rt.transitions.apply(id, (r) => failTask(r, code, message));
  /** Remembers why the task waits (one write, only when the reason changes). */
  const noteWait = (rec: TaskRecord, waitingFor: string | undefined, reason: string) =>
    rec.priv.waitReason === reason && rec.priv.waitingFor === waitingFor
      ? undefined
      : rt.transitions.apply(rec.task.id, (r) => (r.task.status === 'queued' ? { ...r, priv: { ...r.priv, waitingFor, waitReason: reason } } : null));

  return async function processSubmission(job: Job<TaskJobData>, token?: string): Promise<void> {
    const { taskId, generation } = job.data;
    const later = async (rec: TaskRecord, delayMs: number): Promise<never> => {
      await job.moveToDelayed(Date.now() + Math.max(1, Math.min(delayMs, rec.priv.deadlineAt - Date.now() + 10)), token);
      throw new DelayedError();
    };
    /**
     * Sleeps until the deadline, in line: a hand-off promotes the job. One handed over before the job was delayed
     * could not promote it (the job was still running): the marker it left is checked after the delay, and the job
     * promotes itself.
     */
    const inLine = async (rec: TaskRecord): Promise<never> => {
      await job.moveToDelayed(rec.priv.deadlineAt + 10, token);
      if (await rt.room.wasHanded(taskId)) await job.promote().catch(() => undefined);
      throw new DelayedError();
    };
    const skip: string[] = [];
    for (let first = true; ; first = false) {
      const rec = first ? await rt.tasks.getForSubmission(taskId) : await rt.tasks.get(taskId);
      if (!rec || rec.priv.generation !== generation) return;
      const upstream = rec.task.status === 'submitted' || rec.task.status === 'running' || (rec.task.status === 'canceled' && rec.priv.draining);
      if (rec.priv.phase === 'polling' && upstream) {
        // Accepted upstream, but the worker may have died before the first read was scheduled: make sure it is.
        return void (await rt.polls.schedule(rec.task.provider!, taskId, generation, Date.now()));
      }
      if (rec.task.status !== 'queued') return;
      if (Date.now() > rec.priv.deadlineAt) {
        return void (await rt.transitions.apply(taskId, timeOut));
      }
      const route = await chooseProviders(rt, rec, skip);
      if (route.kind === 'fail') return void (await fail(taskId, route.code, withCause(route.message, rec)));
      const admitted = await admit(rt, rec, route.ids, { jobId: job.id!, take: route.kind === 'providers' });
      if ('blocked' in admitted) {
        if (route.kind === 'wait') metrics.openWaits.inc();
        else metrics.slotWaits.inc({ scope: admitted.blocked });
        await noteWait(rec, rec.priv.waitingFor, route.kind === 'wait' ? route.reason : waitReason(rt, rec, route.ids, admitted.blocked));
        return inLine(rec);
      }
      const pid = admitted.held;
      const entry = rt.providers.get(pid)!;
      if ((await rt.circuits.pass(pid)) === 'open') {
        // Someone else holds the half-open probe: try the others now (the slot is not handed on: it would come back).
        await releaseSlots(rt, taskId, rec.priv.tenantId, false);
        skip.push(pid);
        continue;
      }
      const parent = await parentRef(rt, rec);
      if (parent === null) {
        await releaseSlots(rt, taskId, rec.priv.tenantId);
        return void (await fail(taskId, 'parent_expired', 'the parent task is gone (past retention) or never reached a provider'));
      }
      // A task found `submitting` was being sent when its worker died: the job may exist upstream.
      const crashed = rec.priv.phase === 'submitting';
      const inFlightAt = rec.priv.submittingTo ?? pid;
      if (crashed) {
        metrics.ambiguousSubmits.inc({ provider: inFlightAt, cause: 'worker_crash' });
        // The lost submit's job, if the provider already called back for it, is no task's.
        await settleSighting(rt, inFlightAt, rec.priv.callbackToken, taskId, null);
      }
      if (crashed && rt.config.retry.onAmbiguousSubmit === 'fail') {
        return void (await fail(taskId, 'upstream_error', 'a worker stopped while submitting; the job may exist upstream (onAmbiguousSubmit: fail)'));
      }
      const cb = await callbackFor(rt, entry, rec);
      const crashNote = { provider: inFlightAt, outcome: 'ambiguous' as const, error: { class: 'ambiguous' as const, message: 'a worker stopped during the submit; submitting again', upstream: null } };
      const claimed = await rt.transitions.apply(taskId, (r) =>
        r.task.status === 'queued' && r.priv.generation === generation
          ? { ...r, task: crashed ? addAttempt(touch(r.task, {}), crashNote) : r.task, priv: { ...r.priv, phase: 'submitting', submittingTo: pid, callbackToken: cb.token, waitingFor: undefined, waitReason: undefined } }
          : null,
        rec,
      );
      if (!claimed?.changed) return void (await releaseSlots(rt, taskId, rec.priv.tenantId)); // canceled meanwhile
      // With Sentinel, the in-flight mark must outlive a failover before the job can exist upstream (a promoted replica
      // without it would submit again, calling nothing ambiguous): nothing is sent until a replica holds it.
      if (!(await rt.tasks.replicated())) {
        rt.log.warn({ taskId, provider: pid }, 'submit held back: no replica holds its mark yet (Redis may be failing over)');
        await rt.transitions.apply(taskId, (r) => (r.priv.generation === generation && r.priv.phase === 'submitting' ? { ...r, priv: { ...r.priv, phase: 'waiting', submittingTo: undefined } } : null), claimed.rec);
        await releaseSlots(rt, taskId, rec.priv.tenantId);
        return later(rec, REPLICA_RETRY_MS);
      }

      try {
        const result = await entry.adapter.submit({ request: rec.priv.request, parent, callbackUrl: cb.url });
        metrics.submitAttempts.inc({ provider: pid, outcome: 'accepted', class: '' });
        await rt.circuits.record(pid, 'ok');
        await accepted(rt, taskId, generation, pid, result, claimed.rec);
        await settleSighting(rt, pid, cb.token, taskId, result.upstreamId);
        return;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        const circuitNow = await rt.circuits.record(pid, healthOutcome(err.kind, rec.priv.pinnedProvider !== undefined), err.retryAfterMs ?? 0);
        await releaseSlots(rt, taskId, rec.priv.tenantId);
        const decision = afterSubmitError(err, { tries: rec.priv.sameProviderTries + 1, followUp: rec.priv.pinnedProvider !== undefined, retry: rt.config.retry });
        const outcome = err.kind === 'ambiguous' ? 'ambiguous' : REJECTED.has(err.kind) ? 'rejected' : 'error';
        metrics.submitAttempts.inc({ provider: pid, outcome, class: err.kind });
        if (err.kind === 'ambiguous') metrics.ambiguousSubmits.inc({ provider: pid, cause: 'lost_answer' });
        if (err.kind === 'quota_exhausted') requestBalanceCheck(rt);
        rt.log.warn({ taskId, provider: pid, class: err.kind, decision: decision.kind, upstream: err.upstream }, 'submit failed');
        const attempt = { provider: pid, outcome, error: { class: err.kind, message: err.message, upstream: upstreamOf(err) } } as const;
        await rt.transitions.apply(taskId, (r) => {
          if (r.priv.generation !== generation) return null;
          const base = { ...r, task: addAttempt(touch(r.task, {}), attempt), priv: { ...r.priv, phase: 'waiting' as const, submittingTo: undefined } };
          if (decision.kind === 'fail') return failTask(base, decision.code, decision.message, upstreamOf(err));
          if (decision.kind === 'retry') return { ...base, priv: { ...base.priv, sameProviderTries: r.priv.sameProviderTries + 1, waitingFor: pid, waitReason: `retrying ${pid} after ${err.kind}: ${err.message}` } };
          return { ...base, priv: { ...base.priv, sameProviderTries: 0, excluded: [...r.priv.excluded, pid] } };
        }, claimed.rec);
        await settleSighting(rt, pid, cb.token, taskId, null);
        if (decision.kind === 'fail') return;
        // A retry would wait for a provider whose circuit just opened: a root task re-routes now instead.
        const reroute = decision.kind === 'retry' && circuitNow === 'open' && !rec.priv.pinnedProvider;
        if (decision.kind === 'retry' && !reroute) return later(rec, decision.delayMs);
        metrics.failovers.inc({ from: pid, reason: err.kind });
      }
    }
  };
}

async function accepted(rt: Deps, taskId: string, generation: number, providerId: string, result: Awaited<ReturnType<ProviderEntry['adapter']['submit']>>, known: TaskRecord): Promise<void> {
  // The support map (job id → task) goes out alongside the transition: nothing depends on it but the admin lookup.
  const mapped = rt.tasks.mapUpstream(providerId, result.upstreamId, taskId).catch((err: Error) => rt.log.warn({ taskId, provider: providerId, err: err.message }, 'upstream id map not written'));
  const out = await rt.transitions.apply(taskId, (r) => {
    if (r.priv.generation !== generation) return null;
    const at = new Date().toISOString();
    const task = addAttempt(live(r.task, { status: 'submitted', provider: providerId, upstreamId: result.upstreamId, submittedAt: at }), { provider: providerId, outcome: 'accepted', error: null });
    const next: TaskRecord = { ...r, task, priv: { ...r.priv, phase: 'polling', submittingTo: undefined, upstreamState: result.state ?? {}, sameProviderTries: 0, notFound: 0 } };
    // Some providers answer the submit with the job itself; a failure in it is left for the first poll to handle.
    return result.snapshot && result.snapshot.status !== 'failed' ? (applySnapshot(next, result.snapshot) ?? next) : next;
  }, known);
  await mapped;
  // The upstream id is what stops a re-run from submitting again: on a replica before the job completes.
  if (out?.changed && !(await rt.tasks.replicated())) rt.log.warn({ taskId, provider: providerId }, 'accepted submit not on a replica yet (Redis may be failing over)');
  if (!out?.changed) {
    rt.log.warn({ taskId, provider: providerId, upstreamId: result.upstreamId }, 'task ended while its submit was in flight');
    return;
  }
  if (isFinal(out.rec.task.status)) return; // the submit answer already had the result
  // A callback that came while the submit was being recorded makes the first read immediate.
  await rt.polls.schedule(providerId, taskId, generation, Date.now() + rt.config.polling.initialDelayMs);
}
