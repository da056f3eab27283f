/**
 * Submission jobs (`submissions` queue): choose a provider, mark the task `submitting`, send it upstream, and
 * record the attempt. Errors are classified and decided by `afterSubmitError`: retry later (the job moves itself
 * to delayed), fail over at once (next provider in the same run), or fail the task.
 */
import { DelayedError, type Job } from 'bullmq';
import { ProviderError, type ParentRef } from '../../providers/types.js';
import { afterSubmitError } from '../domain/failover.js';
import { eligible, pick, describeRequest } from '../domain/routing.js';
import { addAttempt, applySnapshot, failTask, touch, type TaskRecord } from '../domain/task.js';
import { randomToken } from '../domain/ids.js';
import type { Runtime } from '../runtime.js';
import type { ProviderEntry } from '../services/providers.js';
import type { TaskJobData } from './queues.js';

const REJECTED = new Set(['content_rejected', 'invalid_request', 'auth_invalid', 'quota_exhausted', 'rate_limited']);

type Choice = { entry: ProviderEntry } | { fail: { code: 'no_provider_available' | 'parent_expired'; message: string } };

function choose(rt: Runtime, rec: TaskRecord): Choice {
  const { priv } = rec;
  if (priv.pinnedProvider) {
    const entry = rt.providers.get(priv.pinnedProvider);
    if (!entry) return { fail: { code: 'no_provider_available', message: `provider ${priv.pinnedProvider}, which ran the parent task, is no longer configured` } };
    const why = rt.providers.unsupported(entry, priv.request);
    return why ? { fail: { code: 'no_provider_available', message: `${priv.pinnedProvider} cannot run ${describeRequest(priv.request)}: ${why}` } } : { entry };
  }
  const { ok, refused } = eligible(rt.providers.candidates(priv.request), { allowList: priv.allowList, pinned: priv.requestedProvider, excluded: priv.excluded });
  const chosen = pick(ok);
  if (chosen) return { entry: rt.providers.get(chosen.id)! };
  const reasons = Object.entries(refused).map(([id, why]) => `${id}: ${why}`).join('; ');
  return { fail: { code: 'no_provider_available', message: `no provider left for ${describeRequest(priv.request)}${reasons ? ` (${reasons})` : ''}` } };
}

async function parentRef(rt: Runtime, rec: TaskRecord): Promise<ParentRef | undefined | null> {
  if (!rec.task.parentId) return undefined;
  const parent = await rt.tasks.get(rec.task.parentId);
  if (!parent || !parent.task.upstreamId) return null;
  return { upstreamId: parent.task.upstreamId, action: parent.task.action, state: parent.priv.upstreamState, output: parent.task.output };
}

/** Registers an unguessable callback URL for this upstream job when the gateway is reachable and the provider calls back. */
async function callbackFor(rt: Runtime, entry: ProviderEntry, rec: TaskRecord): Promise<{ url?: string; token?: string }> {
  if (!rt.config.publicUrl || !entry.adapter.capabilities.callbacks) return {};
  const token = randomToken();
  const ttl = Math.max(60, Math.ceil((rec.priv.deadlineAt - Date.now()) / 1000) + 3600);
  await rt.redis.set(rt.keys.callback(token), `${entry.config.id}|${rec.task.id}`, 'EX', ttl);
  return { url: `${rt.config.publicUrl.replace(/\/+$/, '')}/v1/callbacks/${entry.config.id}/${token}`, token };
}

export function createSubmissionProcessor(rt: Runtime) {
  const fail = (id: string, code: Parameters<typeof failTask>[1], message: string) => rt.transitions.apply(id, (r) => failTask(r, code, message));

  return async function processSubmission(job: Job<TaskJobData>, token?: string): Promise<void> {
    const { taskId, generation } = job.data;
    for (;;) {
      const rec = await rt.tasks.get(taskId);
      if (!rec || rec.task.status !== 'queued' || rec.priv.generation !== generation) return;
      if (Date.now() > rec.priv.deadlineAt) return void (await fail(taskId, 'timeout', 'the task could not be submitted before its deadline'));

      const choice = choose(rt, rec);
      if ('fail' in choice) return void (await fail(taskId, choice.fail.code, choice.fail.message));
      const { entry } = choice;
      const parent = await parentRef(rt, rec);
      if (parent === null) return void (await fail(taskId, 'parent_expired', 'the parent task is gone (past retention) or never reached a provider'));

      // A task found `submitting` was being sent when its worker died: the job may exist upstream.
      const crashed = rec.priv.phase === 'submitting';
      if (crashed && rt.config.retry.onAmbiguousSubmit === 'fail') {
        return void (await fail(taskId, 'upstream_error', 'a worker stopped while submitting; the job may exist upstream (onAmbiguousSubmit: fail)'));
      }
      const cb = await callbackFor(rt, entry, rec);
      const claimed = await rt.transitions.apply(taskId, (r) =>
        r.task.status === 'queued' && r.priv.generation === generation
          ? { ...r, task: crashed ? addAttempt(touch(r.task, {}), { provider: entry.config.id, outcome: 'ambiguous', error: { class: 'ambiguous', message: 'worker stopped during submit; resubmitting', upstream: null } }) : r.task, priv: { ...r.priv, phase: 'submitting', callbackToken: cb.token } }
          : null,
      );
      if (!claimed?.changed) return; // canceled or taken over meanwhile

      try {
        const result = await entry.adapter.submit({ request: rec.priv.request, parent, callbackUrl: cb.url });
        await accepted(rt, taskId, generation, entry.config.id, result);
        return;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        const decision = afterSubmitError(err, { tries: rec.priv.sameProviderTries + 1, followUp: rec.priv.pinnedProvider !== undefined, retry: rt.config.retry });
        rt.log.warn({ taskId, provider: entry.config.id, class: err.kind, decision: decision.kind, upstream: err.upstream }, 'submit failed');
        const attempt = { provider: entry.config.id, outcome: err.kind === 'ambiguous' ? 'ambiguous' : REJECTED.has(err.kind) ? 'rejected' : 'error', error: { class: err.kind, message: err.message, upstream: upstreamOf(err) } } as const;
        await rt.transitions.apply(taskId, (r) => {
          if (r.priv.generation !== generation) return null;
          const task = addAttempt(touch(r.task, {}), attempt);
          const base = { ...r, task, priv: { ...r.priv, phase: 'waiting' as const } };
          if (decision.kind === 'fail') return failTask(base, decision.code, decision.message, upstreamOf(err));
          if (decision.kind === 'retry') return { ...base, priv: { ...base.priv, sameProviderTries: r.priv.sameProviderTries + 1 } };
          return { ...base, priv: { ...base.priv, sameProviderTries: 0, excluded: [...r.priv.excluded, entry.config.id] } };
        });
        if (decision.kind === 'retry') {
          await job.moveToDelayed(Date.now() + decision.delayMs, token);
          throw new DelayedError();
        }
        if (decision.kind === 'fail') return;
        // failover: loop to the next provider now
      }
    }
  };
}

export const upstreamOf = (err: ProviderError) => ({ status: err.upstream.status ?? null, code: err.upstream.code ?? null, message: err.upstream.message ?? null });

async function accepted(rt: Runtime, taskId: string, generation: number, providerId: string, result: Awaited<ReturnType<ProviderEntry['adapter']['submit']>>): Promise<void> {
  await rt.tasks.mapUpstream(providerId, result.upstreamId, taskId);
  const out = await rt.transitions.apply(taskId, (r) => {
    if (r.priv.generation !== generation) return null;
    const at = new Date().toISOString();
    const task = addAttempt(touch(r.task, { status: 'submitted', provider: providerId, upstreamId: result.upstreamId, submittedAt: at }), { provider: providerId, outcome: 'accepted', error: null });
    const next: TaskRecord = { ...r, task, priv: { ...r.priv, phase: 'polling', upstreamState: result.state ?? {}, sameProviderTries: 0, notFound: 0 } };
    // Some providers answer the submit with the job itself; a failure in it is left for the first poll to handle.
    return result.snapshot && result.snapshot.status !== 'failed' ? (applySnapshot(next, result.snapshot) ?? next) : next;
  });
  if (!out?.changed) {
    // Canceled while the submit was in flight: the upstream job runs on, but the task stays canceled.
    rt.log.warn({ taskId, provider: providerId, upstreamId: result.upstreamId }, 'task ended while its submit was in flight');
    return;
  }
  const woken = await rt.redis.getdel(rt.keys.wake(taskId));
  await rt.queues.enqueuePoll(taskId, generation, woken ? 0 : rt.config.polling.initialDelayMs);
}
