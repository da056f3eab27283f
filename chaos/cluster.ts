/**
 * What a chaos run starts: its own redis-server (AOF on), the three provider simulators each behind a relay (so an
 * outage can refuse connections), a webhook receiver, and the gateway as real processes (one API, two workers) with
 * a config written to a temporary directory. Processes come from bench/lib (startGateway, startProcess).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startAggregatorSimulator } from '../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../providers/legnext/simulator.js';
import type { Simulator } from '../providers/sim/kit.js';
import { freePort, startGateway, type GatewayProc } from '../bench/lib/gateway.js';
import { waitFor } from '../bench/lib/proc.js';
import { startReceiver, type Receiver } from '../test/helpers/receiver.js';
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server.js';
import { startRelay, type Relay } from './proxy.js';

export const TENANTS = [
  { id: 'chaos-a', key: 'chaos-tenant-a-key-0123456789abcdef', maxConcurrentTasks: 20 },
  { id: 'chaos-b', key: 'chaos-tenant-b-key-0123456789abcdef', maxConcurrentTasks: 200 },
];
/** Short locks so a killed worker's jobs are taken over within seconds; the late-webhook rule is one such period. */
export const WORKERS = { concurrency: 50, lockDurationMs: 10_000, stalledIntervalMs: 5_000, sweepIntervalMs: 5_000 };

export interface SimEntry { id: string; sim: Simulator; relay: Relay }

/** The gateway's config for a run (common to the main phase and the Sentinel phase). */
export function gatewayConfig(redis: { redisUrl: string } | { redisSentinel: unknown }, sims: SimEntry[], keyPrefix: string): Record<string, unknown> {
  const path = (id: string) => (id === 'legnext' ? '/api' : '');
  return {
    ...redis, keyPrefix, host: '127.0.0.1', logLevel: 'warn', allowPrivateCallbacks: true,
    adminToken: 'chaos-admin-token-0123456789abcdef',
    polling: { initialDelayMs: 400, maxDelayMs: 2000 },
    retry: { baseDelayMs: 200, maxDelayMs: 3000 },
    circuitBreaker: { openMs: 5000 },
    workers: WORKERS,
    webhooks: { timeoutMs: 5000, baseDelayMs: 500, maxDelayMs: 5000 },
    balances: { intervalMs: 0 },
    providers: sims.map((s) => ({ id: s.id, type: s.id, apiKey: `chaos-${s.id}-key`, baseUrl: `${s.relay.url}${path(s.id)}`, maxConcurrency: 8, timeoutMs: 4000 })),
    tenants: TENANTS.map((t) => ({ id: t.id, apiKeys: [t.key], rateLimitPerMinute: 1_000_000, maxConcurrentTasks: t.maxConcurrentTasks, webhookSecret: `chaos-secret-${t.id}-0123456789` })),
  };
}

export async function startSims(jobMs: number): Promise<SimEntry[]> {
  const starts = { legnext: startLegnextSimulator, apimart: startApimartSimulator, aggregator: startAggregatorSimulator } as const;
  const out: SimEntry[] = [];
  for (const [id, start] of Object.entries(starts)) {
    const sim = await start({ apiKey: `chaos-${id}-key` });
    sim.state.behaviour.jobDurationMs = jobMs;
    sim.state.behaviour.latencyMs = 10;
    out.push({ id, sim, relay: await startRelay(sim.port) });
  }
  return out;
}

export interface Cluster {
  redis: RedisServer;
  sims: SimEntry[];
  receiver: Receiver;
  keyPrefix: string;
  apiUrl: string;
  api: GatewayProc;
  workers: GatewayProc[];
  restartApi(): Promise<void>;
  startWorker(): Promise<GatewayProc>;
  close(): Promise<void>;
}

/** Starts everything; `logDir` keeps the processes' logs and the config. */
export async function startCluster(logDir: string, jobMs: number, nWorkers = 2): Promise<Cluster> {
  mkdirSync(logDir, { recursive: true });
  const redis = await startRedisServer({ aof: true, fsync: 'always' });
  const sims = await startSims(jobMs);
  const receiver = await startReceiver();
  const keyPrefix = 'chaos';
  const configPath = join(logDir, 'gateway.json');
  writeFileSync(configPath, JSON.stringify(gatewayConfig({ redisUrl: redis.url }, sims, keyPrefix), null, 2));
  const apiPort = await freePort();
  let seq = 0;
  const opts = { redisUrl: redis.url, logDir };
  const c: Cluster = {
    redis, sims, receiver, keyPrefix, apiUrl: `http://127.0.0.1:${apiPort}`, workers: [],
    api: await startGateway('api-0', 'api', configPath, keyPrefix, { ...opts, port: apiPort }),
    async restartApi() {
      c.api = await startGateway(`api-${++seq}`, 'api', configPath, keyPrefix, { ...opts, port: apiPort });
    },
    async startWorker() {
      const before = await workerCount(redis.url, keyPrefix);
      const w = await startGateway(`worker-${++seq}`, 'worker', configPath, keyPrefix, { ...opts, workersBefore: before });
      c.workers.push(w);
      return w;
    },
    async close() {
      await Promise.allSettled([c.api, ...c.workers].map((g) => g.proc.stop()));
      await Promise.allSettled([...sims.map((s) => s.relay.close()), ...sims.map((s) => s.sim.close()), receiver.close()]);
      await redis.close();
    },
  };
  for (let i = 0; i < nWorkers; i++) await c.startWorker();
  return c;
}

/** Worker processes registered on the submissions queue right now (a SIGKILLed one drops out with its connection). */
export async function workerCount(redisUrl: string, keyPrefix: string): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const q = new Queue('submissions', { connection, prefix: `${keyPrefix}:bull` });
  try {
    return await waitFor('worker count', () => q.getWorkersCount(), 15_000, 200);
  } finally {
    await q.close();
    connection.disconnect();
  }
}
