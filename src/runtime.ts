/**
 * Everything a process shares, built once from config: Redis, stores, provider adapters, queues.
 * The HTTP app and the workers both take a Runtime; neither keeps state of its own.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { Queues } from './jobs/queues.js';
import { ProviderRegistry } from './services/providers.js';
import { createRedis } from './store/connections.js';
import { createKeys, type Keys } from './store/keys.js';
import { PollSchedule } from './store/poll-schedule.js';
import { TaskStore } from './store/task-store.js';
import { TenantStore } from './store/tenant-store.js';
import { Transitions } from './services/transitions.js';
import { CircuitBreakers } from './services/circuit.js';
import { createMetrics, type Metrics } from './services/metrics.js';
import { Slots } from './services/slots.js';
import { registerSlotRelease } from './services/admission.js';
import { registerTaskMetrics } from './services/observability.js';
import { registerBudgetSettle } from './services/budget.js';
import { RateLimiter } from './services/rate-limit.js';
import { SecretBox } from './services/secrets.js';
import { registerWebhookEvents } from './services/webhooks.js';
import { UsageStore } from './store/usage-store.js';
import { WebhookStore } from './store/webhook-store.js';

export interface Runtime {
  config: Config;
  log: Logger;
  redis: Redis;
  keys: Keys;
  tasks: TaskStore;
  tenants: TenantStore;
  providers: ProviderRegistry;
  queues: Queues;
  transitions: Transitions;
  circuits: CircuitBreakers;
  slots: Slots;
  metrics: Metrics;
  /** When each in-flight upstream job is read next, and each provider's poll budget. */
  polls: PollSchedule;
  /** Readiness: Redis answers. */
  ping(): Promise<unknown>;
  usage: UsageStore;
  rateLimit: RateLimiter;
  webhookEvents: WebhookStore;
  close(): Promise<void>;
}

export async function createRuntime(config: Config, log: Logger): Promise<Runtime> {
  const redis = createRedis(config.redisUrl, { log });
  await redis.connect();
  const keys = createKeys(config.keyPrefix);
  const tasks = new TaskStore(redis, keys, config.taskRetentionDays);
  const fileSecrets = new Map(config.tenants.flatMap((t) => (t.webhookSecret ? [[t.id, t.webhookSecret] as const] : [])));
  const tenants = new TenantStore(redis, keys, { secrets: new SecretBox(config.webhooks.encryptionKey ?? config.adminToken), fileSecrets });
  const metrics = createMetrics();
  const providers = new ProviderRegistry(config, (provider, endpoint, outcome, seconds) => metrics.upstreamCalls.observe({ provider, endpoint, outcome }, seconds));
  // BullMQ defines ~50 scripts on the connection it is given, and ioredis copies a connection's scripts into every
  // pipeline: the queues get a connection of their own so the gateway's pipelines stay light.
  const queueRedis = createRedis(config.redisUrl, { log });
  await queueRedis.connect();
  const queues = new Queues(queueRedis, keys);
  const transitions = new Transitions(tasks, log);
  const circuits = new CircuitBreakers(redis, keys, config.circuitBreaker, (provider, to) => {
    metrics.circuitTransitions.inc({ provider, to });
    log.warn({ provider, to }, 'circuit transition');
  });
  // A waiter that has not asked for three retry periods (and at least 5 s) has gone away.
  const slots = new Slots(redis, keys, Math.max(5_000, config.routing.slotRetryMs * 3));
  for (const t of config.tenants) await tenants.upsertFromConfig(t);
  const rt: Runtime = {
    config, log, redis, keys, tasks, tenants, providers, queues, transitions, circuits, slots, metrics, polls: new PollSchedule(redis, keys),
    ping: () => redis.ping(),
    usage: new UsageStore(redis, keys), rateLimit: new RateLimiter(redis, keys), webhookEvents: new WebhookStore(redis, keys, Math.round(config.taskRetentionDays * 86_400)),
    async close() {
      await queues.close();
      await providers.close();
      await queueRedis.quit().catch(() => queueRedis.disconnect());
      await redis.quit().catch(() => redis.disconnect());
    },
  };
  registerSlotRelease(rt);
  registerTaskMetrics(rt);
  // Webhook event first: a settled reservation then proves the event was recorded (see services/reconcile.ts).
  registerWebhookEvents(rt);
  registerBudgetSettle(rt);
  return rt;
}
