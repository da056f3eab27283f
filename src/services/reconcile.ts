/**
 * The reconciler (`maintenance` queue, repeated): a task's final transition runs its listeners (webhook event, then
 * budget settle) in the process that wrote it; a crash in between would leave a reservation open and a final webhook
 * unsent. Reservations still open well past their task's deadline are finished here: both steps are idempotent.
 * A reservation's member in the open set carries all it needs (task, day, amount, tenant, action), so one whose task
 * record has expired is still released.
 */
import { isFinal } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import { parseReservationMember } from '../store/usage-store.js';
import { NO_PROVIDER, settleTask } from './budget.js';
import { recordWebhookEvent } from './webhooks.js';

const BATCH = 200;
/** A task past its deadline but not final yet (the sweeper has not got to it) is looked at again this much later. */
const RECHECK_MS = 60_000;

export async function reconcile(rt: Pick<Runtime, 'config' | 'log' | 'tasks' | 'tenants' | 'usage' | 'webhookEvents' | 'queues' | 'webhookBody'>, now = Date.now()): Promise<number> {
  let finished = 0;
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
