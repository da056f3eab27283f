/**
 * One webhook POST made on request, outside the delivery chains: a redelivery of a recorded event, and the admin's
 * test event for a tenant's webhook URL. Signed like every delivery, on an Agent that checks addresses at connect time.
 */
import { randomBytes } from 'node:crypto';
import { callbackUrlProblem } from '../domain/ssrf.js';
import { apiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { WebhookEvent } from '../store/webhook-store.js';
import { createWebhookAgent, postWebhook, signature, type AttemptResult, type WebhookAgentOptions } from './webhooks.js';

type Deps = Pick<Runtime, 'config' | 'tenants'>;

/**
 * The headers of an attempt for the tenant's event, signed with the tenant's secret when it has one; a string says
 * why it cannot be sent signed.
 */
export async function webhookHeaders(rt: Pick<Runtime, 'tenants'>, tenantId: string, base: Record<string, string>, body: string): Promise<Record<string, string> | string> {
  const tenant = await rt.tenants.get(tenantId);
  if (!tenant) return base;
  const { secret, unreadable } = rt.tenants.webhookSecret(tenant);
  if (unreadable) return 'the webhook secret cannot be decrypted (were adminToken or webhooks.encryptionKey changed?): set it again';
  return secret ? { ...base, 'x-mjg-signature': signature(secret, body) } : base;
}

/** Posts once on a short-lived Agent; never throws for the receiver's failures (they are in the result). */
async function postOnce(rt: Deps, tenantId: string, url: string, body: string, base: Record<string, string>): Promise<AttemptResult> {
  const headers = await webhookHeaders(rt, tenantId, base, body);
  if (typeof headers === 'string') return { statusCode: null, error: headers, durationMs: 0 };
  const opts: WebhookAgentOptions = { allowPrivate: rt.config.allowPrivateCallbacks, timeoutMs: rt.config.webhooks.timeoutMs };
  const agent = createWebhookAgent(opts);
  try {
    return await postWebhook(agent, url, body, headers, opts);
  } finally {
    await agent.close();
  }
}

/**
 * Sends a recorded event again, now, and logs the attempt with the others. A final event's body is the task as it
 * ended (a final task never changes); a `running` event's body is kept only until it is delivered.
 */
export async function redeliver(rt: Deps & Pick<Runtime, 'tasks' | 'webhookEvents'>, tenantId: string, taskId: string, eventId: string): Promise<Omit<WebhookEvent, 'tenantId'>> {
  if ((await rt.tasks.tenantOf(taskId)) !== tenantId) throw apiError('not_found', `task ${taskId} not found`);
  const seq = Number(/^evt_[0-9A-Za-z]+_(\d{1,6})$/.exec(eventId)?.[1]);
  const found = seq && eventId === `evt_${taskId.replace(/^tsk_/, '')}_${seq}` ? await rt.webhookEvents.event(taskId, seq) : null;
  if (!found) throw apiError('not_found', `task ${taskId} has no webhook event ${eventId} (see GET /v1/tasks/${taskId}/deliveries)`);
  const { ev } = found;
  const body = found.body ?? (ev.type === 'running' || ev.type === 'progress' ? null : await rt.tasks.getDoc(taskId, tenantId));
  if (body === null) throw apiError('invalid_request', `event ${eventId} (${ev.type}) was delivered and its body is no longer kept; only final events can be sent again`);
  const at = new Date().toISOString();
  const result = await postOnce(rt, tenantId, ev.url, body, { 'x-mjg-event-id': ev.id, 'x-mjg-event': ev.type, 'x-mjg-attempt': String(ev.attempts.length + 1), 'x-mjg-redelivery': 'true' });
  const next: WebhookEvent = { ...ev, attempts: [...ev.attempts, { n: ev.attempts.length + 1, at, ...result }].slice(-50) };
  if (result.error === null) Object.assign(next, { state: 'delivered', deliveredAt: new Date().toISOString(), nextAttemptAt: null });
  await rt.webhookEvents.save(taskId, next);
  const { tenantId: _t, ...view } = next;
  return view;
}

/** Sends a signed `test` event to the tenant's webhook URL (or `url`), once; the result says what the receiver answered. */
export async function sendTestEvent(rt: Deps, tenantId: string, url?: string): Promise<{ url: string; eventId: string } & AttemptResult> {
  const tenant = await rt.tenants.get(tenantId);
  if (!tenant) throw apiError('not_found', `tenant ${tenantId} not found`);
  const target = url ?? tenant.webhookUrl;
  if (!target) throw apiError('invalid_request', `tenant ${tenantId} has no webhookUrl: set one (PATCH /admin/tenants/${tenantId}) or send body.url`);
  const problem = await callbackUrlProblem(target, rt.config.allowPrivateCallbacks);
  if (problem) throw apiError('invalid_request', `url: ${problem.replace(/^callbackUrl/, 'url')}`);
  const eventId = `evt_test_${randomBytes(8).toString('hex')}`;
  const body = JSON.stringify({ type: 'test', id: eventId, tenantId, sentAt: new Date().toISOString() });
  const result = await postOnce(rt, tenantId, target, body, { 'x-mjg-event-id': eventId, 'x-mjg-event': 'test', 'x-mjg-attempt': '1' });
  return { url: target, eventId, ...result };
}
