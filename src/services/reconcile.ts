/**
 * The reconciler (`maintenance` queue, repeated): a task's final transition runs its listeners (webhook event, then
 * budget settle) in the process that wrote it; a crash in between would leave a reservation open and a final webhook
 * unsent. Reservations still open well past their task's deadline are finished here: both steps are idempotent.
 * A reservation's member in the open set carries all it needs (task, day, amount, tenant, action), so one whose task
 * record has expired is still released.
 *
 * Faster, for every task: a final write lists the task in `finals` in the same Redis step, and the transition takes
 * it off once its follow-ups ran; one still listed after a few seconds had its process die (or Redis blink) in
 * between, and gets its final webhook event (and its delivery job) and its settle here, within one sweep period.
 */
import { isFinal } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import { parseReservationMember } from '../store/usage-store.js';
import { NO_PROVIDER, settleTask } from './budget.js';
import { recordWebhookEvent } from './webhooks.js';

const BATCH = 200;
/** A task past its deadline but not final yet (the sweeper has not got to it) is looked at again this much later. */
const RECHECK_MS = 60_000;
/** Follow-ups take milliseconds: a final task still listed after this lost them. */
const FOLLOW_UP_GRACE_MS = 3_000;

/** Runs the follow-ups of final tasks whose own run was cut short; the number finished. */
export async function finishFinals(rt: Pick<Runtime, 'config' | 'tasks' | 'tenants' | 'usage' | 'webhookEvents' | 'queues' | 'webhookBody'>, now = Date.now()): Promise<number> {
  let finished = 0;
  for (const id of await rt.tasks.finalsBefore(now - FOLLOW_UP_GRACE_MS, BATCH)) {
    const rec = await rt.tasks.get(id);
    if (rec && isFinal(rec.task.status)) {
      await recordWebhookEvent(rt, rec);
      await settleTask(rt, rec);
      finished++;
    }
    await rt.tasks.finalHandled(id);
  }
  return finished;
}

export async function reconcile(rt: Pick<Runtime, 'config' | 'log' | 'tasks' | 'tenants' | 'usage' | 'webhookEvents' | 'queues' | 'webhookBody'>, now = Date.now()): Promise<number> {
  let finished = await finishFinals(rt, now);
  for (const member of await rt.usage.overdue(now, BATCH)) {
    const resv = parseReservationMember(member);
    const rec = await rt.tasks.get(resv.taskId);
    if (rec && !isFinal(rec.task.status)) {
      await rt.usage.postpone(member, now + RECHECK_MS);
      continue;
    }
    if (rec) {
      await recordWebhookEvent(rt, rec);
      await settleTask(rt, rec);
    } else {
      // The task expired: release what it reserved (the member says how much).
      await rt.usage.settle({ ...resv, member }, { provider: NO_PROVIDER, outcome: null, chargedMicros: 0 });
    }
    finished++;
  }
  if (finished) rt.log.warn({ finished }, 'reconciled tasks whose final transition was cut short');
  return finished;
}
