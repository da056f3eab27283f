/**
 * The intake (one per worker process) drains two lists on a blocking connection of its own (store/worklists.ts):
 * - `intake`: the API's create script puts each new task's id there; the intake adds their submission jobs, up to
 *   100 in one BullMQ call, so the API process never talks to BullMQ;
 * - `wakes`: a slot handed to a waiting task (store/room-store.ts); the intake promotes the task's delayed job.
 * An entry popped but not acted on (a crash, an outage, a close) is not lost: a new task is still in `unqueued` (the
 * sweeper adds its job), a hand-off still in `handed` (the room sweep, jobs/room-sweep.ts, promotes it again).
 */
import { Queues, retryBackoff } from './queues.js';
import type { Runtime } from '../runtime.js';
import type { Wake } from '../store/worklists.js';

/** Entries moved per round. */
const BATCH = 100;
/** How long one pop waits for work (close() does not wait for it: it cuts the connection). */
const BLOCK_SEC = 5;

export interface Intake { close(): Promise<void> }

export function startIntake(rt: Pick<Runtime, 'log' | 'queues' | 'openWorklists'>): Intake {
  const lists = rt.openWorklists();
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
  // A job that is not delayed (still running, or already promoted) needs nothing: it checks for the hand-off itself.
  const promote = (wakes: Wake[]) => Promise.all(wakes.map((w) => rt.queues.promoteSubmission(w.jobId)));

  const loop = (async () => {
    let failures = 0;
    while (!closing) {
      let popped: Awaited<ReturnType<typeof lists.pop>>;
      try {
        popped = await lists.pop(BLOCK_SEC, BATCH);
        failures = 0;
      } catch (err) {
        if (closing) break;
        rt.log.warn({ err: (err as Error).message, attempt: failures }, 'intake cannot read new tasks; retrying');
        await pause(retryBackoff(failures++));
        continue;
      }
      const { newTasks, wakes } = popped;
      // Once popped, only `unqueued` / `handed` remember them: act until it works or the process stops.
      for (let attempt = 0; newTasks.length > 0 || wakes.length > 0; attempt++) {
        try {
          if (newTasks.length > 0) await add(newTasks);
          else await promote(wakes);
          break;
        } catch (err) {
          if (closing) {
            rt.log.warn({ tasks: newTasks.length, wakes: wakes.length }, 'intake closed before acting on these entries; the sweeps will');
            break;
          }
          rt.log.warn({ err: (err as Error).message, tasks: newTasks.length, wakes: wakes.length, attempt }, 'intake cannot add or promote submission jobs; retrying');
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
      lists.close();
      await loop;
    },
  };
}
