/**
 * Client webhooks: events are recorded when a task turns running, succeeded, failed or canceled, then POSTed in
 * order by one chain per task (jobs/webhooks.ts), signed with the tenant's secret, on an undici Agent that checks
 * every address it connects to (DNS rebinding cannot reach a private host) and never follows a redirect.
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { isBlockedAddress } from '../domain/ssrf.js';
import { apiError } from '../errors.js';
import type { TaskRecord } from '../domain/task.js';
import type { Runtime } from '../runtime.js';
import type { WebhookEventType } from '../store/webhook-store.js';

export const WEBHOOK_EVENTS: ReadonlySet<string> = new Set<WebhookEventType>(['running', 'succeeded', 'failed', 'canceled']);

/** `X-MJG-Signature`: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signature(secret: string, body: string, unix = Math.floor(Date.now() / 1000)): string {
  return `t=${unix},v1=${createHmac('sha256', secret).update(`${unix}.${body}`).digest('hex')}`;
}

type Resolver = (host: string, cb: (err: Error | null, addresses: LookupAddress[]) => void) => void;
const systemResolver: Resolver = (host, cb) => dnsLookup(host, { all: true, verbatim: true }, cb);

/** Refuses a connection to any host that resolves to a blocked address; the socket connects to what was checked. */
export function guardedLookup(resolve: Resolver = systemResolver) {
  return (host: string, opts: { all?: boolean }, cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    resolve(host, (err, addresses) => {
      if (err) return cb(err, []);
      const bad = addresses.find((a) => isBlockedAddress(a.address));
      const why = bad ? `resolves to ${bad.address}, a private or reserved address` : addresses.length === 0 ? 'resolves to no address' : null;
      if (why) return cb(Object.assign(new Error(`refused: ${host} ${why}`), { code: 'EBLOCKED' }), []);
      if (opts.all) return cb(null, addresses);
      cb(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export interface WebhookAgentOptions { allowPrivate: boolean; timeoutMs: number; resolve?: Resolver }

/** The webhook Agent: connect-time address check (unless private callbacks are allowed), a timeout, no redirects. */
export function createWebhookAgent(o: WebhookAgentOptions): Agent {
  return new Agent({
    connect: { timeout: o.timeoutMs, ...(o.allowPrivate ? {} : { lookup: guardedLookup(o.resolve) }) },
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    connections: 64,
    keepAliveTimeout: 10_000,
  });
}

export interface AttemptResult { statusCode: number | null; error: string | null; durationMs: number }

/** One POST; never throws. A redirect is an answer like any other non-2xx (it is not followed). */
export async function postWebhook(agent: Agent, url: string, body: string, headers: Record<string, string>, o: WebhookAgentOptions): Promise<AttemptResult> {
  const started = Date.now();
  const done = (statusCode: number | null, error: string | null) => ({ statusCode, error, durationMs: Date.now() - started });
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    // An IP literal is never looked up, so the connect-time check cannot see it: check it here.
    if (!o.allowPrivate && (isIP(host) ? isBlockedAddress(host) : host === 'localhost' || host.endsWith('.localhost'))) {
      return done(null, `refused: ${host} is a private or reserved address`);
    }
    const res = await request(url, {
      method: 'POST', dispatcher: agent, body, headers: { 'content-type': 'application/json', 'user-agent': 'mj-gateway-webhooks/1', ...headers },
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    return done(res.statusCode, res.statusCode >= 200 && res.statusCode < 300 ? null : `answered ${res.statusCode}`);
  } catch (err) {
    const e = err as Error & { code?: string; cause?: Error & { code?: string } };
    const cause = e.cause ?? e;
    return done(null, `${cause.code ?? e.name}: ${cause.message}`.slice(0, 300));
  }
}

/** Exponential backoff with jitter (50–100 % of the step), capped. `attempt` counts from 1. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, rand = Math.random()): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(step * (0.5 + rand * 0.5));
}

/**
 * Records an event for a task's status change and makes sure its chain is queued (transition listener). A task with a
 * midjourney-proxy notifyHook also posts SUBMITTED and every progress change (`progress` events), in the same chain.
 */
export async function recordWebhookEvent(rt: Pick<Runtime, 'tenants' | 'webhookEvents' | 'queues' | 'webhookBody'>, rec: TaskRecord, progressOnly = false): Promise<void> {
  const mjHook = rec.priv.mjProxy?.hook === true;
  const type: WebhookEventType | null = progressOnly || rec.task.status === 'submitted'
    ? (mjHook ? 'progress' : null)
    : WEBHOOK_EVENTS.has(rec.task.status) ? (rec.task.status as WebhookEventType) : null;
  if (type === null) return;
  // The task's own selection (`webhookEvents` at submit), when it made one.
  const wanted = (rec.task.input as { webhookEvents?: string[] }).webhookEvents;
  if (wanted && !wanted.includes(type)) return;
  const url = rec.priv.callbackUrl ?? (await rt.tenants.get(rec.priv.tenantId))?.webhookUrl;
  if (!url) return;
  const { chain } = await rt.webhookEvents.append(rec.task.id, {
    type, tenantId: rec.priv.tenantId, url, createdAt: new Date().toISOString(),
    state: 'pending', deliveredAt: null, nextAttemptAt: null, attempts: [],
  }, rt.webhookBody(rec) ?? JSON.stringify(rec.task), type !== 'running' && type !== 'progress');
  // Adding the owner's job again is harmless (same id) and re-creates it if a crash lost it.
  if (chain > 0) await rt.queues.enqueueWebhookChain(rec.task.id, chain);
}

/** Records webhook events for every status change that matters, whichever process wrote it. */
export function registerWebhookEvents(rt: Pick<Runtime, 'tasks' | 'tenants' | 'webhookEvents' | 'queues' | 'transitions' | 'webhookBody'>): void {
  rt.tasks.trackFinalFollowUps();
  // A failure is logged by the transition, and a final event is recorded again by the sweeper (follow-ups).
  rt.transitions.onStatusChange((rec) => recordWebhookEvent(rt, rec));
  rt.transitions.onProgressChange((rec) => (rec.priv.mjProxy?.hook ? recordWebhookEvent(rt, rec, true) : undefined));
}

/** The delivery log of one of the tenant's tasks (404 for another tenant's, as for an unknown one). */
export async function listDeliveries(rt: Pick<Runtime, 'tasks' | 'webhookEvents'>, tenantId: string, taskId: string) {
  if ((await rt.tasks.tenantOf(taskId)) !== tenantId) throw apiError('not_found', `task ${taskId} not found`);
  return (await rt.webhookEvents.list(taskId)).map(({ tenantId: _t, ...ev }) => ev);
}
