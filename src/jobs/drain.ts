/**
 * Quiet reads of a canceled task's upstream job. A task canceled while its provider ran the job is final at once, but
 * the job runs on upstream (no provider documents a cancel call) and still counts against the provider's
 * `maxConcurrency`: its provider slot stays held (the task is listed as draining) and its job is read on the usual
 * schedule, without touching the task (no status change, no webhook), until it ends; then the slot is freed and
 * handed on. The deadline ends the drain too (here, or the sweep's reclaim).
 */
import { ProviderError } from '../../providers/types.js';
import { pollDelay } from '../domain/backoff.js';
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import { allSlots } from '../services/admission.js';

type Deps = Pick<Runtime, 'config' | 'log' | 'providers' | 'room' | 'metrics'>;

/** Frees the provider slot of a canceled task whose job ended (idempotent). */
export async function endDrain(rt: Pick<Deps, 'log' | 'providers' | 'room'>, rec: TaskRecord, why: string): Promise<null> {
  await rt.room.endDrain(rec.task.id, rec.priv.tenantId, allSlots(rt));
  rt.log.info({ taskId: rec.task.id, provider: rec.task.provider, why }, 'the upstream job of a canceled task ended: its provider slot is free');
  return null;
}

/** One read; returns when to read next (ms epoch), or null once the job ended and its slot was freed. */
export async function drainRead(rt: Deps, rec: TaskRecord): Promise<number | null> {
  const { task, priv } = rec;
  const end = (why: string) => endDrain(rt, rec, why);
  const entry = rt.providers.get(task.provider ?? '');
  if (!entry) return end('the provider is no longer configured');
  if (Date.now() > priv.deadlineAt) return end('deadline');
  // The sweep's reclaim may have ended it already (past the deadline): nothing left to free.
  if (!(await rt.room.isDraining(task.id))) return null;

  let retryAfterMs: number | undefined;
  try {
    rt.metrics.polls.inc({ provider: entry.config.id });
    const snap = await entry.adapter.poll({ upstreamId: task.upstreamId!, state: priv.upstreamState, request: priv.request, readOnly: true });
    if (snap.status === 'succeeded' || snap.status === 'failed') return end(`the job ${snap.status}`);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    // A job the provider no longer knows holds none of its capacity.
    if (err.kind === 'not_found') return end('the provider no longer knows the job');
    retryAfterMs = err.retryAfterMs;
  }
  const elapsed = Date.now() - Date.parse(task.submittedAt ?? task.createdAt);
  return Date.now() + Math.min(pollDelay(elapsed, rt.config.polling, retryAfterMs), Math.max(0, priv.deadlineAt - Date.now() + 10));
}
