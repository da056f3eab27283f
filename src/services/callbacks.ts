/** Provider callbacks: a valid token wakes the task's poll job (which re-reads the job); the body is never trusted. */
import type { Runtime } from '../runtime.js';

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
const WAKE_TTL_SEC = 300;

/** The task a callback URL belongs to, or null when the token is unknown or names another provider. */
export async function callbackTarget(rt: Runtime, providerId: string, token: string): Promise<string | null> {
  const target = TOKEN.test(token) ? await rt.redis.get(rt.keys.callback(token)) : null;
  const [owner, taskId] = target?.split('|') ?? [];
  return taskId && owner === providerId ? taskId : null;
}

/** Asks for an immediate re-read: promote the waiting poll job, or leave a flag the next run (or the first poll) sees. */
export async function wakeTask(rt: Runtime, taskId: string): Promise<void> {
  const rec = await rt.tasks.get(taskId);
  if (!rec) return;
  await rt.redis.set(rt.keys.wake(taskId), '1', 'EX', WAKE_TTL_SEC);
  if (rec.priv.phase === 'polling' && (await rt.queues.wakePoll(taskId, rec.priv.generation))) await rt.redis.del(rt.keys.wake(taskId));
}
