/** Provider callbacks: a valid token brings the task's next read forward (a re-read of the job); the body is never trusted. */
import type { Runtime } from '../runtime.js';

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
const WAKE_TTL_SEC = 300;

/** The task a callback URL belongs to, or null when the token is unknown or names another provider. */
export async function callbackTarget(rt: Runtime, providerId: string, token: string): Promise<string | null> {
  const target = TOKEN.test(token) ? await rt.redis.get(rt.keys.callback(token)) : null;
  const [owner, taskId] = target?.split('|') ?? [];
  return taskId && owner === providerId ? taskId : null;
}

/**
 * Asks for an immediate re-read: moves the task's scheduled read to the front of the line and leaves a flag that a
 * read in progress (or the first read, when the submit is still being recorded) sees.
 */
export async function wakeTask(rt: Runtime, taskId: string): Promise<void> {
  const rec = await rt.tasks.get(taskId);
  if (!rec) return;
  await rt.redis.set(rt.keys.wake(taskId), '1', 'EX', WAKE_TTL_SEC);
  if (rec.priv.phase === 'polling' && rec.task.provider) await rt.polls.wake(rec.task.provider, taskId, rec.priv.generation);
}
