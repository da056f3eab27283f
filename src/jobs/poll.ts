/**
 * One read of an upstream job: the poll dispatcher (jobs/poll-dispatcher.ts) claims a scheduled read, this applies
 * what the provider says and answers when to read next (or never again); a provider callback brings the next read
 * forward. The deadline ends every task, whatever the upstream says or fails to say.
 */
import { ProviderError, type UpstreamFailure } from '../../providers/types.js';
import { pollDelay } from '../domain/backoff.js';
import { eligible } from '../domain/routing.js';
import { markEstimate, withEstimate } from '../services/progress.js';
import { addAttempt, applySnapshot, failTask, isFinal, live, timeOut, type TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import { drainRead, endDrain } from './drain.js';

const FAILURE_CODE = { content_rejected: 'content_rejected', invalid_request: 'invalid_request', provider: 'upstream_error' } as const;

export function createPollProcessor(rt: Pick<Runtime, 'config' | 'log' | 'tasks' | 'transitions' | 'providers' | 'queues' | 'metrics' | 'media' | 'durations' | 'room'>) {
  const { polling } = rt.config;

  /** A root task whose job failed provider-side goes once to another eligible provider, if there is one. */
  async function onUpstreamFailure(rec: TaskRecord, failure: UpstreamFailure): Promise<{ rec: TaskRecord } | null> {
    const provider = rec.task.provider!;
    const others = eligible(rt.providers.candidates(rec.priv.request), {
      allowList: rec.priv.allowList, pinned: rec.priv.requestedProvider, excluded: [...rec.priv.excluded, provider],
    }).ok;
    const resubmit = failure.kind === 'provider' && rt.config.retry.resubmitOnUpstreamFailure && !rec.priv.pinnedProvider && !rec.priv.resubmitted && others.length > 0;
    const upstream = { status: null, code: failure.code ?? null, message: failure.message };
    const out = await rt.transitions.apply(rec.task.id, (r) => {
      if (r.priv.generation !== rec.priv.generation) return null;
      if (!resubmit) return failTask(r, FAILURE_CODE[failure.kind], `the provider reported the job as failed: ${failure.message}`, upstream);
      const task = addAttempt(live(r.task, { status: 'queued', provider: null, upstreamId: null, progress: 0 }), {
        provider, outcome: 'error', error: { class: 'job_failed', message: failure.message, upstream },
      });
      return {
        ...r, task,
        priv: { ...r.priv, phase: 'waiting', resubmitted: true, excluded: [...r.priv.excluded, provider], generation: r.priv.generation + 1, upstreamState: {}, sameProviderTries: 0 },
      };
    }, rec);
    if (resubmit && out?.changed) {
      rt.metrics.resubmissions.inc({ from: provider });
      await rt.queues.enqueueSubmission(rec.task.id, out.rec.priv.generation);
    }
    return out;
  }

  /**
   * After a write this read meant to make: when the task was canceled meanwhile (its job still holding the provider
   * slot), a job that ended frees the slot now; else the reads go on quietly (`true`).
   */
  async function canceledMeanwhile(out: { rec: TaskRecord } | null, jobEnded: boolean, why: string): Promise<boolean> {
    if (!out || out.rec.task.status !== 'canceled' || !out.rec.priv.draining) return false;
    if (jobEnded) await endDrain(rt, out.rec, why);
    return !jobEnded;
  }

  /** Reads the job once; returns when to read it next (ms epoch), or null when this task needs no more reads. */
  return async function pollTask(taskId: string, generation: number): Promise<number | null> {
    // The wake flag a callback left is taken now: it asked for this very read (a new one during it counts again).
    const rec = await rt.tasks.getAndTakeWake(taskId);
    if (!rec || rec.priv.generation !== generation || rec.priv.phase !== 'polling') return null;
    // A task canceled while its job ran: the job is only followed until it ends, to free its provider slot.
    if (isFinal(rec.task.status)) return rec.task.status === 'canceled' && rec.priv.draining ? drainRead(rt, rec) : null;
    if (Date.now() > rec.priv.deadlineAt) {
      await canceledMeanwhile(await rt.transitions.apply(taskId, timeOut), true, 'deadline');
      return null;
    }
    const entry = rt.providers.get(rec.task.provider ?? '');
    if (!entry) {
      const out = await rt.transitions.apply(taskId, (r) => failTask(r, 'upstream_error', `provider ${rec.task.provider} is no longer configured`));
      await canceledMeanwhile(out, true, 'the provider is no longer configured');
      return null;
    }

    let retryAfterMs: number | undefined;
    try {
      rt.metrics.polls.inc({ provider: entry.config.id });
      // A success is mirrored onto our storage first (when configured): the task turns succeeded with its own URLs.
      const snap = await rt.media.mirrorOutput(rec, await entry.adapter.poll({ upstreamId: rec.task.upstreamId!, state: rec.priv.upstreamState, request: rec.priv.request }));
      if (snap.status === 'failed') {
        await canceledMeanwhile(await onUpstreamFailure(rec, snap.failure ?? { kind: 'provider', message: 'no reason given' }), true, 'the job failed');
        return null;
      }
      const est = await withEstimate(rt.durations, rec, snap);
      const out = await rt.transitions.apply(taskId, (r) => (r.priv.generation === generation ? markEstimate(applySnapshot(r, est.snap), est.estimated) : null), rec);
      if ((!out || isFinal(out.rec.task.status)) && !(await canceledMeanwhile(out, snap.status === 'succeeded', 'the job succeeded'))) return null;
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      retryAfterMs = err.retryAfterMs;
      rt.log.warn({ taskId, provider: entry.config.id, class: err.kind }, 'poll failed');
      if (err.kind === 'not_found') {
        const out = await rt.transitions.apply(taskId, (r) => {
          if (r.priv.generation !== generation) return null;
          const next = { ...r, priv: { ...r.priv, notFound: r.priv.notFound + 1 } };
          return next.priv.notFound >= polling.maxNotFound ? failTask(next, 'upstream_error', `the provider no longer knows job ${r.task.upstreamId}`) : next;
        }, rec);
        if (!out || isFinal(out.rec.task.status)) {
          await canceledMeanwhile(out, true, 'the provider no longer knows the job');
          return null;
        }
      }
    }

    const elapsed = Date.now() - Date.parse(rec.task.submittedAt ?? rec.task.createdAt);
    return Date.now() + Math.min(pollDelay(elapsed, polling, retryAfterMs), Math.max(0, rec.priv.deadlineAt - Date.now() + 10));
  };
}
