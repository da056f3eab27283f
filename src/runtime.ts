/**
 * Everything a process shares, built once from config: Redis, stores, provider adapters, queues.
 * The HTTP app and the workers both take a Runtime; neither keeps state of its own.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { Queues } from './jobs/queues.js';
import { ProviderRegistry } from './services/providers.js';
import { createKeys, type Keys } from './store/keys.js';
import { TaskStore } from './store/task-store.js';
import { TenantStore } from './store/tenant-store.js';
import { Transitions } from './services/transitions.js';

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
  close(): Promise<void>;
}

/** A Redis connection for commands: fails fast while disconnected instead of queueing (the API answers 503). */
export function createRedis(url: string, opts: { worker?: boolean } = {}): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: opts.worker ?? false,
    maxRetriesPerRequest: opts.worker ? null : 1,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

export async function createRuntime(config: Config, log: Logger): Promise<Runtime> {
  const redis = createRedis(config.redisUrl);
  await redis.connect();
  const keys = createKeys(config.keyPrefix);
  const tasks = new TaskStore(redis, keys, config.taskRetentionDays);
  const tenants = new TenantStore(redis, keys);
  const providers = new ProviderRegistry(config);
  const queues = new Queues(redis, keys);
  const transitions = new Transitions(tasks, log);
  for (const t of config.tenants) await tenants.upsertFromConfig(t);
  return {
    config, log, redis, keys, tasks, tenants, providers, queues, transitions,
    async close() {
      await queues.close();
      await providers.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
