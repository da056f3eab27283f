/**
 * Webhook events per task in Redis: a sequence, the events (with their delivery log), the bodies still to send,
 * a queue of pending event numbers, and the number of the chain that owns the queue. One chain delivers a task's
 * events strictly in order; the Lua calls below make "append" and "finish" atomic, so no event is ever stranded
 * and two chains never run for one task.
 */
import type { Redis, Result } from 'ioredis';
import type { Keys } from './keys.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgWebhookAppend(...args: Array<string | number>): Result<[number, number], Context>;
    mjgWebhookAdvance(...args: Array<string | number>): Result<number, Context>;
  }
}

/**
 * KEYS: seq, queue, events, bodies, owner, final marker
 * ARGV: event JSON, body, ttlSec, '1' when the event is a final status (recorded at most once per task)
 * Returns {seq of the new event, owner chain} (the owner is the new seq when no chain was running);
 * {0, owner or 0} when the final event was recorded already.
 */
const APPEND = `
if ARGV[4] == '1' and not redis.call('SET', KEYS[6], '1', 'NX', 'EX', tonumber(ARGV[3])) then
  return {0, tonumber(redis.call('GET', KEYS[5]) or '0')}
end
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[3], seq, ARGV[1])
redis.call('HSET', KEYS[4], seq, ARGV[2])
redis.call('RPUSH', KEYS[2], seq)
local owner = redis.call('GET', KEYS[5])
if not owner then
  owner = tostring(seq)
  redis.call('SET', KEYS[5], owner)
end
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], tonumber(ARGV[3])) end
return {seq, tonumber(owner)}
`;

/**
 * KEYS: queue, owner, bodies
 * ARGV: chain, seq just finished ('' none)
 * Returns the next seq to deliver, 0 when the queue is empty (the chain ends), -1 when this chain is not the owner.
 */
const ADVANCE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if ARGV[2] ~= '' and redis.call('LINDEX', KEYS[1], 0) == ARGV[2] then
  redis.call('LPOP', KEYS[1])
  redis.call('HDEL', KEYS[3], ARGV[2])
end
local nxt = redis.call('LINDEX', KEYS[1], 0)
if not nxt then
  redis.call('DEL', KEYS[2])
  return 0
end
return tonumber(nxt)
`;

export type WebhookEventType = 'running' | 'succeeded' | 'failed' | 'canceled';

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
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly ttlSec: number) {
    redis.defineCommand('mjgWebhookAppend', { numberOfKeys: 6, lua: APPEND });
    redis.defineCommand('mjgWebhookAdvance', { numberOfKeys: 3, lua: ADVANCE });
  }

  private key(taskId: string, part: 'seq' | 'q' | 'ev' | 'body' | 'own' | 'fin'): string {
    return `${this.keys.prefix}:wh:${taskId}:${part}`;
  }

  /** Appends an event (a final one only once); returns its seq (0: already recorded) and the chain that delivers it. */
  async append(taskId: string, ev: Omit<WebhookEvent, 'id' | 'seq'>, body: string, final: boolean): Promise<{ seq: number; chain: number }> {
    const [seq, chain] = await this.redis.mjgWebhookAppend(
      this.key(taskId, 'seq'), this.key(taskId, 'q'), this.key(taskId, 'ev'), this.key(taskId, 'body'), this.key(taskId, 'own'), this.key(taskId, 'fin'),
      JSON.stringify(ev), body, this.ttlSec, final ? '1' : '0',
    );
    return { seq, chain };
  }

  /** The next event for `chain` after `done` (if given): a seq, 0 when finished, -1 when the chain is stale. */
  async advance(taskId: string, chain: number, done?: number): Promise<number> {
    return this.redis.mjgWebhookAdvance(this.key(taskId, 'q'), this.key(taskId, 'own'), this.key(taskId, 'body'), chain, done ?? '');
  }

  async event(taskId: string, seq: number): Promise<{ ev: WebhookEvent; body: string | null } | null> {
    const [ev, body] = await Promise.all([this.redis.hget(this.key(taskId, 'ev'), String(seq)), this.redis.hget(this.key(taskId, 'body'), String(seq))]);
    return ev ? { ev: { ...(JSON.parse(ev) as WebhookEvent), id: eventId(taskId, seq), seq }, body } : null;
  }

  async save(taskId: string, ev: WebhookEvent): Promise<void> {
    const { id: _id, seq, ...rest } = ev;
    await this.redis.hset(this.key(taskId, 'ev'), String(seq), JSON.stringify(rest));
  }

  /** Every event of the task, oldest first. */
  async list(taskId: string): Promise<WebhookEvent[]> {
    const all = await this.redis.hgetall(this.key(taskId, 'ev'));
    return Object.entries(all)
      .map(([seq, raw]) => ({ ...(JSON.parse(raw) as WebhookEvent), id: eventId(taskId, Number(seq)), seq: Number(seq) }))
      .sort((a, b) => a.seq - b.seq);
  }
}
