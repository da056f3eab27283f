/**
 * Earlier versions kept one BullMQ job per in-flight upstream job (queue `polls`). A worker of this version moves
 * any such job into the read schedule (store/poll-schedule.ts) at its due time and removes it, so tasks in flight
 * across an upgrade keep being read. Idempotent; a no-op (one EXISTS) once the old queue is gone.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Runtime } from '../runtime.js';

const OLD_QUEUE = 'polls';
const BATCH = 500;

export async function adoptOldPollJobs(rt: Runtime, connection: Redis): Promise<number> {
  if (!(await rt.redis.exists(`${rt.keys.queuePrefix}:${OLD_QUEUE}:meta`, `${rt.keys.queuePrefix}:${OLD_QUEUE}:id`))) return 0;
  const queue = new Queue<{ taskId?: string; generation?: number }>(OLD_QUEUE, { connection, prefix: rt.keys.queuePrefix });
  queue.on('error', () => undefined);
  let adopted = 0;
  try {
    for (;;) {
      const jobs = await queue.getJobs(['delayed', 'wait', 'paused', 'prioritized', 'active', 'failed'], 0, BATCH - 1);
      let removed = 0;
      for (const job of jobs) {
        const { taskId, generation } = job.data ?? {};
        const rec = taskId ? await rt.tasks.get(taskId) : null;
        if (rec && rec.task.provider && rec.priv.phase === 'polling' && rec.priv.generation === generation) {
          await rt.polls.schedule(rec.task.provider, rec.task.id, rec.priv.generation, job.timestamp + (job.delay ?? 0));
          adopted++;
        }
        // A job locked by a worker of the old version that is still running cannot be removed: leave it to it.
        removed += await job.remove().then(() => 1, () => 0);
      }
      if (removed === 0) break;
    }
    if ((await queue.getJobCountByTypes('delayed', 'wait', 'paused', 'prioritized', 'active', 'failed')) === 0) await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  if (adopted) rt.log.info({ adopted }, 'moved poll jobs of an earlier version into the read schedule');
  return adopted;
}
