/**
 * Everything a process shares, built once from config: the stores (the only owners of Redis), provider adapters,
 * queues and the services on top. The HTTP app and the workers both take a Runtime; neither keeps state of its own.
 * Functions that need a few of these take `Pick<Runtime, ...>` of just those.
 */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { Queues } from './jobs/queues.js';
import { ProviderRegistry } from './services/providers.js';
import { OrphanStore } from './store/orphan-store.js';
import { createRedis, redisAddress as addressOf, type RedisAddress } from './store/connections.js';
import { createKeys } from './store/keys.js';
import { PollSchedule } from './store/poll-schedule.js';
import { TaskStore } from './store/task-store.js';
import { TenantStore } from './store/tenant-store.js';
import { applyConfigTenants } from './services/tenant-lifecycle.js';
import { Transitions } from './services/transitions.js';
import { registerFollowUps } from './services/follow-ups.js';
import { BalanceStore } from './store/balance-store.js';
import { registerBalanceGauges } from './services/balances.js';
import { CircuitBreakers } from './services/circuit.js';
import { createMetrics, type Metrics } from './services/metrics.js';
import { registerSlotRelease } from './services/admission.js';
import { registerTaskMetrics } from './services/observability.js';
import { registerBudgetSettle } from './services/budget.js';
import { RateLimiter } from './services/rate-limit.js';
import { SecretBox } from './services/secrets.js';
import { registerWebhookEvents } from './services/webhooks.js';
import { CircuitStore } from './store/circuit-store.js';
import { RateWindowStore } from './store/rate-window-store.js';
import { RoomStore } from './store/room-store.js';
import { openWorklists, type Worklists } from './store/worklists.js';
import { UsageStore } from './store/usage-store.js';
import { DurationStore } from './store/duration-store.js';
import { registerDurations } from './services/progress.js';
import { WebhookStore } from './store/webhook-store.js';
import { MjProxyStore } from './store/mj-proxy-store.js';
import { mjProxyWebhookBody } from './ingress/mjproxy/webhook-body.js';
import type { TaskRecord } from './domain/task.js';
import { createMediaService, type MediaService } from './services/media-setup.js';

export interface Runtime {
  config: Config;
  /** Where every Redis connection of the process goes (config's `redisUrl`, Sentinel and TLS settings). */
  redisAddress: RedisAddress;
  log: Logger;
  tasks: TaskStore;
  tenants: TenantStore;
  usage: UsageStore;
  /** Upstream jobs no task knows (services/orphans.ts). */
  orphans: OrphanStore;
  /** When each in-flight upstream job is read next, and each provider's poll budget. */
  polls: PollSchedule;
  webhookEvents: WebhookStore;
  /** Slots and the waiting room. */
  room: RoomStore;
  /** A blocking reader of new tasks and hand-offs, on a connection of its own (one per worker process). */
  openWorklists(): Worklists;
  providers: ProviderRegistry;
  queues: Queues;
  transitions: Transitions;
  circuits: CircuitBreakers;
  /** Provider account balances as last read (jobs/balance.ts). */
  balances: BalanceStore;
  rateLimit: RateLimiter;
  metrics: Metrics;
  /** MODAL steps of the midjourney-proxy ingress, and its batched reads. */
  mjProxy: MjProxyStore;
  /** A webhook body other than the Task JSON for this record (the midjourney-proxy VO), or undefined. */
  webhookBody(rec: TaskRecord): string | undefined;
  /** Image uploads, data URLs and mirrored outputs (services/media.ts). */
  media: MediaService;
  /** Mean run times of succeeded jobs (progress estimates). */
  durations: DurationStore;
  /** False for a runtime built offline (the OpenAPI export): nothing may reach Redis. */
  online: boolean;
  /** Readiness: Redis answers. */
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * `offline`: build everything without connecting (the OpenAPI export registers routes and never serves a request).
 */
export async function createRuntime(config: Config, log: Logger, opts: { offline?: boolean } = {}): Promise<Runtime> {
  const online = !opts.offline;
  const redisAddress = addressOf(config);
  const redis = createRedis(redisAddress, { log });
  // BullMQ defines ~50 scripts on the connection it is given, and ioredis copies a connection's scripts into every
  // pipeline: the queues get a connection of their own.
  const queueRedis = createRedis(redisAddress, { log });
  if (online) await Promise.all([redis.connect(), queueRedis.connect()]);
  const keys = createKeys(config.keyPrefix);
  const tasks = new TaskStore(redis, keys, config.taskRetentionDays);
  if (config.redisSentinel) tasks.confirmCreates(1); // an acknowledged task must outlive a failover
  const fileSecrets = new Map(config.tenants.flatMap((t) => (t.webhookSecret ? [[t.id, t.webhookSecret] as const] : [])));
  const tenants = new TenantStore(redis, keys, { secrets: new SecretBox(config.webhooks.encryptionKey ?? config.adminToken), fileSecrets });
  const metrics = createMetrics();
  const providers = new ProviderRegistry(config, (provider, endpoint, outcome, seconds) => metrics.upstreamCalls.observe({ provider, endpoint, outcome }, seconds));
  const queues = new Queues(queueRedis, keys.queuePrefix);
  const circuits = new CircuitBreakers(new CircuitStore(redis, keys), config.circuitBreaker, (provider, to) => {
    metrics.circuitTransitions.inc({ provider, to });
    log.warn({ provider, to }, 'circuit transition');
  });
  if (online) await applyConfigTenants(tenants, config.tenants, log);
  const media = await createMediaService(config, redis, keys, log, metrics.registry);
  const durations = new DurationStore(redis, keys);
  const rt: Runtime = {
    config, redisAddress, log, tasks, tenants, providers, queues, circuits, metrics, online, media, durations,
    transitions: new Transitions(tasks, log),
    usage: new UsageStore(redis, keys),
    orphans: new OrphanStore(redis, keys, Math.round(config.taskRetentionDays * 86_400)),
    balances: new BalanceStore(redis, keys),
    polls: new PollSchedule(redis, keys),
    webhookEvents: new WebhookStore(redis, keys, Math.round(config.taskRetentionDays * 86_400)),
    room: new RoomStore(redis, keys),
    openWorklists: () => openWorklists(redisAddress, keys, log),
    rateLimit: new RateLimiter(new RateWindowStore(redis, keys)),
    mjProxy: new MjProxyStore(redis, keys),
    webhookBody: mjProxyWebhookBody(providers),
    ping: () => redis.ping(),
    async close() {
      await durations.flush().catch((err: Error) => log.warn({ err: err.message }, 'run times not recorded at shutdown'));
      await queues.close();
      await providers.close();
      await media.close();
      for (const conn of [queueRedis, redis]) await (online ? conn.quit().catch(() => conn.disconnect()) : conn.disconnect());
    },
  };
  registerSlotRelease(rt);
  registerFollowUps(rt);
  if (online) registerBalanceGauges(rt);
  registerTaskMetrics(rt);
  // Webhook event first: a settled reservation then proves the event was recorded (see services/reconcile.ts).
  registerWebhookEvents(rt);
  registerBudgetSettle(rt);
  registerDurations(rt, durations);
  return rt;
}
