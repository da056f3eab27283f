/**
 * Webhook chains (`webhooks` queue): one job per task delivers its pending events strictly in order. A failed
 * attempt moves the job to delayed (exponential backoff with jitter) with the event still at the head, so a later
 * event never overtakes an earlier one; an event not delivered within `webhooks.maxAgeMs`, or refused for good (a 4xx
 * other than 408/429, a permanent redirect), is given up and the delivery log says why.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Runtime } from '../runtime.js';
import { createWebhookAgent, postWebhook, retryDelayMs, type WebhookAgentOptions } from '../services/webhooks.js';
import { webhookHeaders } from '../services/webhook-send.js';
import type { WebhookEvent } from '../store/webhook-store.js';

/**
 * An answer no retry will change: a 4xx other than 408/429, a permanent redirect (redirects are never followed), or
 * an address the SSRF guard refuses. Retrying it for `maxAgeMs` would only hold the task's later events back.
 */
export const isPermanentRefusal = (r: { statusCode: number | null; error: string | null }) =>
  r.statusCode !== null
    ? (r.statusCode >= 400 && r.statusCode < 500 && r.statusCode !== 408 && r.statusCode !== 429) || r.statusCode === 301 || r.statusCode === 308
    : (r.error ?? '').startsWith('refused:');

/** Payload of a webhook chain job: the task and the number of the chain (its first event). */
export interface WebhookJobData { taskId: string; chain: number }

export function createWebhookProcessor(rt: Pick<Runtime, 'config' | 'log' | 'tenants' | 'webhookEvents' | 'metrics'>) {
  const cfg = rt.config.webhooks;
  const opts: WebhookAgentOptions = { allowPrivate: rt.config.allowPrivateCallbacks, timeoutMs: cfg.timeoutMs };
  const agent = createWebhookAgent(opts);

  /** The headers of one attempt, or why it cannot be sent signed. */
  const headersFor = (ev: WebhookEvent, body: string) =>
    webhookHeaders(rt, ev.tenantId, { 'x-mjg-event-id': ev.id, 'x-mjg-event': ev.type, 'x-mjg-attempt': String(ev.attempts.length + 1) }, body);

  /** Tries an event once; true when it is settled (delivered or given up), else when to try again. */
  async function attempt(taskId: string, ev: WebhookEvent, body: string | null): Promise<true | number> {
    const at = new Date();
    const headers = body === null ? 'the event body is gone' : await headersFor(ev, body);
    const result = typeof headers === 'string'
      ? { statusCode: null, error: headers, durationMs: 0 }
      : await postWebhook(agent, ev.url, body!, headers, opts);
    const ok = result.error === null;
    const permanent = !ok && isPermanentRefusal(result);
    if (permanent) result.error = `${result.error}: a permanent refusal, not retried`;
    ev.attempts = [...ev.attempts, { n: ev.attempts.length + 1, at: at.toISOString(), ...result }].slice(-50);
    const deadline = Date.parse(ev.createdAt) + cfg.maxAgeMs;
    const next = ok || permanent || body === null || Date.now() >= deadline ? null : Math.min(Date.now() + retryDelayMs(ev.attempts.length, cfg.baseDelayMs, cfg.maxDelayMs), deadline);
    ev.state = ok ? 'delivered' : next === null ? 'failed' : 'pending';
    ev.deliveredAt = ok ? new Date().toISOString() : null;
    ev.nextAttemptAt = next === null ? null : new Date(next).toISOString();
    await rt.webhookEvents.save(taskId, ev);
    rt.metrics.webhookDeliveries.inc({ outcome: ok ? 'delivered' : next === null ? 'gave_up' : 'retry' });
    const log = { taskId, eventId: ev.id, event: ev.type, attempt: ev.attempts.length, statusCode: result.statusCode, error: result.error };
    if (ok) rt.log.debug(log, 'webhook delivered');
    else rt.log.warn({ ...log, nextAttemptAt: ev.nextAttemptAt }, next === null ? 'webhook given up' : 'webhook attempt failed');
    return next ?? true;
  }

  async function processWebhooks(job: Job<WebhookJobData>, token?: string): Promise<void> {
    const { taskId, chain } = job.data;
    let seq = await rt.webhookEvents.advance(taskId, chain);
    while (seq > 0) {
      const found = await rt.webhookEvents.event(taskId, seq);
      if (found && found.ev.state === 'pending') {
        const due = found.ev.nextAttemptAt ? Date.parse(found.ev.nextAttemptAt) : 0;
        const outcome = due > Date.now() ? due : await attempt(taskId, found.ev, found.body);
        if (outcome !== true) {
          await job.moveToDelayed(outcome, token);
          throw new DelayedError();
        }
      }
      seq = await rt.webhookEvents.advance(taskId, chain, seq);
    }
  }

  return { process: processWebhooks, close: () => agent.close() };
}
