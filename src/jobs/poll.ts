/**
 * Poll jobs (`polls` queue): the one owner of an upstream job. Each run reads the job once, applies what it says,
 * and moves itself to delayed for the next check; a provider callback promotes it early. The deadline ends
 * every task, whatever the upstream says or fails to say.
 */
import { DelayedError, type Job } from 'bullmq';
import { ProviderError, type UpstreamFailure } from '../../providers/types.js';
import { pollDelay } from '../domain/backoff.js';
import { eligible } from '../domain/routing.js';
import { addAttempt, applySnapshot, failTask, isFinal, touch, type TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import type { TaskJobData } from './queues.js';

const FAILURE_CODE = { content_rejected: 'content_rejected', invalid_request: 'invalid_request', provider: 'upstream_error' } as const;

export function createPollProcessor(rt: Runtime) {
  const { polling } = rt.config;

  /** A root task whose job failed provider-side goes once to another eligible provider, if there is one. */
  async function onUpstreamFailure(rec: TaskRecord, failure: UpstreamFailure): Promise<void> {
    const provider = rec.task.provider!;
    const others = eligible(rt.providers.candidates(rec.priv.request), {
      allowList: rec.priv.allowList, pinned: rec.priv.requestedProvider, excluded: [...rec.priv.excluded, provider],
    }).ok;
    const resubmit = failure.kind === 'provider' && rt.config.retry.resubmitOnUpstreamFailure && !rec.priv.pinnedProvider && !rec.priv.resubmitted && others.length > 0;
    const upstream = { status: null, code: failure.code ?? null, message: failure.message };
    const out = await rt.transitions.apply(rec.task.id, (r) => {
      if (r.priv.generation !== rec.priv.generation) return null;
      if (!resubmit) return failTask(r, FAILURE_CODE[failure.kind], `the provider reported the job as failed: ${failure.message}`, upstream);
      const task = addAttempt(touch(r.task, { status: 'queued', provider: null, upstreamId: null, progress: 0 }), {
        provider, outcome: 'error', error: { class: 'job_failed', message: failure.message, upstream },
      });
      return {
        ...r, task,
        priv: { ...r.priv, phase: 'waiting', resubmitted: true, excluded: [...r.priv.excluded, provider], generation: r.priv.generation + 1, upstreamState: {}, sameProviderTries: 0 },
      };
    });
    if (resubmit && out?.changed) {
      rt.metrics.resubmissions.inc({ from: provider });
      await rt.queues.enqueueSubmission(rec.task.id, out.rec.priv.generation);
    }
  }

  return async function processPoll(job: Job<TaskJobData>, token?: string): Promise<void> {
    const { taskId, generation, slotAt } = job.data;
    const later = async (delayMs: number, data: TaskJobData): Promise<never> => {
      if (data.slotAt !== job.data.slotAt) await job.updateData(data);
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    };
    const { rec, woken } = await rt.tasks.getAndTakeWake(taskId);
    if (!rec || isFinal(rec.task.status) || rec.priv.generation !== generation || rec.priv.phase !== 'polling') return;
    if (Date.now() > rec.priv.deadlineAt) {
      await rt.transitions.apply(taskId, (r) => failTask(r, 'timeout', `the provider did not finish the job within the ${Math.round((r.priv.deadlineAt - Date.parse(r.task.createdAt)) / 1000)} s deadline`));
      return;
    }
    const entry = rt.providers.get(rec.task.provider ?? '');
    if (!entry) {
      await rt.transitions.apply(taskId, (r) => failTask(r, 'upstream_error', `provider ${rec.task.provider} is no longer configured`));
      return;
    }

    // Timer polls book a slot in the provider's shared budget, then pass its one-second check when they go out;
    // a callback's re-read goes at once.
    if (!woken) {
      const pid = entry.config.id;
      const budget = entry.config.pollsPerSecond;
      if (!(slotAt !== undefined && Date.now() >= slotAt - 20)) {
        const wait = await rt.pollBudget.reserve(pid, budget);
        if (wait > 20) return later(wait, { taskId, generation, slotAt: Date.now() + wait });
      }
      const wait = await rt.pollBudget.admit(pid, budget);
      if (wait > 0) return later(wait + Math.floor(Math.random() * 50), { taskId, generation, slotAt: Date.now() + wait });
    }

    let retryAfterMs: number | undefined;
    try {
      rt.metrics.polls.inc({ provider: entry.config.id });
      const snap = await entry.adapter.poll({ upstreamId: rec.task.upstreamId!, state: rec.priv.upstreamState, request: rec.priv.request });
      if (snap.status === 'failed') return void (await onUpstreamFailure(rec, snap.failure ?? { kind: 'provider', message: 'no reason given' }));
      const out = await rt.transitions.apply(taskId, (r) => (r.priv.generation === generation ? applySnapshot(r, snap) : null));
      if (!out || isFinal(out.rec.task.status)) return;
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      retryAfterMs = err.retryAfterMs;
      rt.log.warn({ taskId, provider: entry.config.id, class: err.kind }, 'poll failed');
      if (err.kind === 'not_found') {
        const out = await rt.transitions.apply(taskId, (r) => {
          if (r.priv.generation !== generation) return null;
          const next = { ...r, priv: { ...r.priv, notFound: r.priv.notFound + 1 } };
          return next.priv.notFound >= polling.maxNotFound ? failTask(next, 'upstream_error', `the provider no longer knows job ${r.task.upstreamId}`) : next;
        });
        if (!out || isFinal(out.rec.task.status)) return;
      }
    }

    const elapsed = Date.now() - Date.parse(rec.task.submittedAt ?? rec.task.createdAt);
    const delay = Math.min(pollDelay(elapsed, polling, retryAfterMs), Math.max(0, rec.priv.deadlineAt - Date.now() + 10));
    if (slotAt !== undefined) await job.updateData({ taskId, generation });
    await job.moveToDelayed(Date.now() + delay, token);
    // A callback that came while this run was active could not promote it; honour it now.
    if (await rt.redis.exists(rt.keys.wake(taskId))) await job.promote().catch(() => undefined);
    throw new DelayedError();
  };
}
