/**
 * The room sweep (one loop per worker process, every `routing.handoffSweepMs`): hands free slots to waiting tasks
 * where no release did (a holder's lease lapsed, a circuit may take traffic again), and wakes again the tasks handed
 * a slot whose wake-up was lost (a crash between the pop and the promote): their delayed job is promoted, or added
 * anew when it is gone. Idempotent: any number of worker processes may run it.
 */
import type { Runtime } from '../runtime.js';
import { allSlots } from '../services/admission.js';
import { Queues } from './queues.js';

/** A hand-off whose job has not run this long after it is woken again. */
const HANDOFF_GRACE_MS = 5_000;
const BATCH = 200;

export interface RoomSweepReport { handed: number; rewoken: number }

export async function sweepRoom(rt: Pick<Runtime, 'room' | 'providers' | 'tasks' | 'queues'>, now = Date.now()): Promise<RoomSweepReport> {
  const handed = await rt.room.dispatch(allSlots(rt), now);
  let rewoken = 0;
  for (const taskId of await rt.room.staleHandoffs(now - HANDOFF_GRACE_MS, BATCH)) {
    const rec = await rt.tasks.get(taskId);
    if (!rec || rec.task.status !== 'queued') {
      await rt.room.forgetHandoff(taskId);
      continue;
    }
    const generation = rec.priv.generation;
    const promoted = await rt.queues.promoteSubmission(Queues.submissionId(taskId, generation));
    if (!promoted) await rt.queues.enqueueSubmission(taskId, generation);
    await rt.room.handoffRewoken(taskId, now);
    rewoken++;
  }
  return { handed, rewoken };
}

export interface RoomSweep { close(): Promise<void> }

export function startRoomSweep(rt: Pick<Runtime, 'room' | 'providers' | 'tasks' | 'queues' | 'log' | 'config'>): RoomSweep {
  const every = rt.config.routing.handoffSweepMs;
  let running: Promise<void> = Promise.resolve();
  let failing = false;
  const timer = setInterval(() => {
    running = sweepRoom(rt).then(
      (r) => {
        failing = false;
        if (r.rewoken) rt.log.warn(r, 'woke waiting tasks whose hand-off was lost');
      },
      (err: Error) => {
        if (!failing) rt.log.warn({ err: err.message }, 'room sweep failed; retrying');
        failing = true;
      },
    );
  }, every);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
