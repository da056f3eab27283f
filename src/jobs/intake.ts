/**
 * The intake (one per worker process): the API's create script puts each new task's id on the `intake` list; this loop
 * pops up to 100 at a time on a blocking connection of its own and adds their submission jobs in one BullMQ call, so
 * the API process never talks to BullMQ. An id popped but not added (a crash, an outage, a close) is not lost: the
 * task is still in `unqueued`, and the sweeper adds its job once the enqueue grace period has passed.
 */
import { Queues, retryBackoff } from './queues.js';
import type { Runtime } from '../runtime.js';

/** Ids moved per round. */
const BATCH = 100;
/** How long one pop waits for work (close() does not wait for it: it cuts the connection). */
const BLOCK_SEC = 5;

export interface Intake { close(): Promise<void> }

export function startIntake(rt: Pick<Runtime, 'config' | 'log' | 'tasks' | 'queues'>): Intake {
  const reader = rt.tasks.intakeReader(rt.config.redisUrl, rt.log);
  let closing = false;
  let wake = () => {};
  /** A backoff pause that close() cuts short. */
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  const add = (ids: string[]) => rt.queues.submissions.addBulk(
    ids.map((taskId) => ({ name: 'submit', data: { taskId, generation: 1 }, opts: { jobId: Queues.submissionId(taskId, 1), delay: 0 } })),
  );

  const loop = (async () => {
    let failures = 0;
    while (!closing) {
      let ids: string[];
      try {
        ids = await reader.pop(BLOCK_SEC, BATCH);
        failures = 0;
      } catch (err) {
        if (closing) break;
        rt.log.warn({ err: (err as Error).message, attempt: failures }, 'intake cannot read new tasks; retrying');
        await pause(retryBackoff(failures++));
        continue;
      }
      // Once popped, only these ids' entries in `unqueued` remember them: add until it works or the process stops.
      for (let attempt = 0; ids.length > 0; attempt++) {
        try {
          await add(ids);
          break;
        } catch (err) {
          if (closing) {
            rt.log.warn({ tasks: ids.length }, 'intake closed before adding these submission jobs; the sweeper will');
            break;
          }
          rt.log.warn({ err: (err as Error).message, tasks: ids.length, attempt }, 'intake cannot add submission jobs; retrying');
          await pause(retryBackoff(attempt));
        }
      }
    }
  })();

  return {
    async close() {
      closing = true;
      wake();
      // Cuts a waiting pop short (it fails, and the loop sees `closing`); a batch being added is finished first.
      reader.close();
      await loop;
    },
  };
}
