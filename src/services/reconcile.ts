/**
 * The reconciler (`maintenance` queue, repeated): a task's final transition runs its listeners (webhook event, then
 * budget settle) in the process that wrote it; a crash in between would leave a reservation open and a final webhook
 * unsent. Reservations still open well past their task's deadline are finished here: both steps are idempotent.
 */
import { isFinal } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import { NO_PROVIDER, settleTask } from './budget.js';
import { recordWebhookEvent } from './webhooks.js';

const BATCH = 200;
/** A task past its deadline but not final yet (the sweeper has not got to it) is looked at again this much later. */
const RECHECK_MS = 60_000;

export async function reconcile(rt: Runtime, now = Date.now()): Promise<number> {
  let finished = 0;
  for (const taskId of await rt.usage.overdue(now, BATCH)) {
    const rec = await rt.tasks.get(taskId);
    if (rec && !isFinal(rec.task.status)) {
      await rt.usage.postpone(taskId, now + RECHECK_MS);
      continue;
    }
    if (rec) {
      await recordWebhookEvent(rt, rec);
      await settleTask(rt, rec);
    } else {
      await rt.usage.settle(taskId, { provider: NO_PROVIDER, outcome: null, chargedMicros: 0 }); // the task expired
    }
    finished++;
  }
  if (finished) rt.log.warn({ finished }, 'reconciled tasks whose final transition was cut short');
  return finished;
}
