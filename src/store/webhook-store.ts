/**
 * Webhook events per task in Redis: a sequence, the events (with their delivery log), the bodies still to send,
 * a queue of pending event numbers, and the number of the chain that owns the queue. One chain delivers a task's
 * events strictly in order; the Lua calls below make "append" and "finish" atomic, so no event is ever stranded
 * and two chains never run for one task.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { webhookAdvance, webhookAppend } from './scripts.js';

/** `progress`: a midjourney-proxy notifyHook post of a change that is not one of the four statuses (submitted, progress). */
export type WebhookEventType = 'running' | 'succeeded' | 'failed' | 'canceled' | 'progress';

export interface DeliveryAttempt { n: number; at: string; statusCode: number | null; error: string | null; durationMs: number }

/** One event of a task and what became of it. */
export interface WebhookEvent {
  id: string;
  seq: number;
  type: WebhookEventType;
  tenantId: string;
  url: string;
  createdAt: string;
  state: 'pending' | 'delivered' | 'failed';
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  attempts: DeliveryAttempt[];
}

/** Stable across retries: the task and the event's number within it. */
export const eventId = (taskId: string, seq: number) => `evt_${taskId.replace(/^tsk_/, '')}_${seq}`;

export class WebhookStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly ttlSec: number) {}

  /** Appends an event (a final one only once); returns its seq (0: already recorded) and the chain that delivers it. */
  async append(taskId: string, ev: Omit<WebhookEvent, 'id' | 'seq'>, body: string, final: boolean): Promise<{ seq: number; chain: number }> {
    const [seq, chain] = await runScript(this.redis, this.keys, webhookAppend, { taskId, event: JSON.stringify(ev), body, ttlSec: this.ttlSec, final });
    return { seq, chain };
  }

  /** The next event for `chain` after `done` (if given): a seq, 0 when finished, -1 when the chain is stale. */
  advance(taskId: string, chain: number, done?: number): Promise<number> {
    return runScript(this.redis, this.keys, webhookAdvance, { taskId, chain, done });
  }

  async event(taskId: string, seq: number): Promise<{ ev: WebhookEvent; body: string | null } | null> {
    const [ev, body] = await Promise.all([this.redis.hget(this.keys.webhook(taskId, 'ev'), String(seq)), this.redis.hget(this.keys.webhook(taskId, 'body'), String(seq))]);
    return ev ? { ev: { ...(JSON.parse(ev) as WebhookEvent), id: eventId(taskId, seq), seq }, body } : null;
  }

  async save(taskId: string, ev: WebhookEvent): Promise<void> {
    const { id: _id, seq, ...rest } = ev;
    await this.redis.hset(this.keys.webhook(taskId, 'ev'), String(seq), JSON.stringify(rest));
  }

  /** Every event of the task, oldest first. */
  async list(taskId: string): Promise<WebhookEvent[]> {
    const all = await this.redis.hgetall(this.keys.webhook(taskId, 'ev'));
    return Object.entries(all)
      .map(([seq, raw]) => ({ ...(JSON.parse(raw) as WebhookEvent), id: eventId(taskId, Number(seq)), seq: Number(seq) }))
      .sort((a, b) => a.seq - b.seq);
  }
}
