/** Provider callbacks: a valid token brings the task's next read forward (a re-read of the job); the body is never trusted. */
import { randomToken } from '../domain/ids.js';
import type { Runtime } from '../runtime.js';
import { sightCallbackJob } from './orphans.js';

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
const WAKE_TTL_SEC = 300;

type Deps = Pick<Runtime, 'tasks' | 'polls'>;

/**
 * A provider's callback: null for an unknown token. A body naming a job no task knows (the first job of a submit
 * whose answer was lost) is recorded as an orphan and wakes nothing; otherwise the task's next read comes at once.
 */
export async function acceptCallback(rt: Deps & Parameters<typeof sightCallbackJob>[0] & Pick<Runtime, 'providers'>, providerId: string, token: string, body: unknown): Promise<{ taskId: string; orphan: boolean } | null> {
  const taskId = await callbackTarget(rt, providerId, token);
  if (!taskId) return null;
  const jobId = rt.providers.get(providerId)?.adapter.callbackJobId?.(body) ?? null;
  if (jobId && (await sightCallbackJob(rt, providerId, token, taskId, jobId))) return { taskId, orphan: true };
  await wakeTask(rt, taskId);
  return { taskId, orphan: false };
}

/** A new unguessable callback URL (and its token) for one upstream job of the task, valid until its deadline (plus an hour). */
export async function issueCallbackUrl(rt: Pick<Runtime, 'tasks'>, publicUrl: string, providerId: string, taskId: string, deadlineAt: number): Promise<{ url: string; token: string }> {
  const token = randomToken();
  await rt.tasks.saveCallback(token, providerId, taskId, Math.max(60, Math.ceil((deadlineAt - Date.now()) / 1000) + 3600));
  return { url: `${publicUrl.replace(/\/+$/, '')}/v1/callbacks/${providerId}/${token}`, token };
}

/** The task a callback URL belongs to, or null when the token is unknown or names another provider. */
export async function callbackTarget(rt: Pick<Runtime, 'tasks'>, providerId: string, token: string): Promise<string | null> {
  const target = TOKEN.test(token) ? await rt.tasks.callbackTarget(token) : null;
  return target && target.providerId === providerId ? target.taskId : null;
}

/**
 * Asks for an immediate re-read: moves the task's scheduled read to the front of the line and leaves a flag that a
 * read in progress (or the first read, when the submit is still being recorded) sees.
 */
export async function wakeTask(rt: Deps, taskId: string): Promise<void> {
  // The flag first, then the record: a first read scheduled after the flag takes it (and is made at once); one
  // scheduled before it is seen here as `polling` and moved to the front. Read in the other order, a first read
  // scheduled between the two would miss both.
  await rt.tasks.flagWake(taskId, WAKE_TTL_SEC);
  const rec = await rt.tasks.get(taskId);
  if (!rec) return;
  if (rec.priv.phase === 'polling' && rec.task.provider) await rt.polls.wake(rec.task.provider, taskId, rec.priv.generation);
}
