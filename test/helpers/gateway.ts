/**
 * Test harness: a real gateway (HTTP on port 0, BullMQ workers) on the real Redis, under a key prefix of its own
 * in a database index of its own, and removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { request } from 'undici';
import { buildApp } from '../../src/app.js';
import { SERVER_OPTIONS } from '../../src/server.js';
import { parseConfig, type Config } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { startWorkers, type Workers } from '../../src/worker.js';
import { createKeys, type Keys } from '../../src/store/keys.js';
import type { Task } from '../../src/schemas/task.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';

export const TENANT_A_KEY = 'tenant-a-key-0123456789abcdef';
export const TENANT_B_KEY = 'tenant-b-key-0123456789abcdef';

export interface GatewayOptions {
  providers?: Array<Record<string, unknown>>;
  /** Extra top-level config keys (deep values replace the defaults below). */
  config?: Record<string, unknown>;
  workers?: boolean;
  tenants?: Array<Record<string, unknown>>;
  keyPrefix?: string;
  /** A logger for the runtime and the app (default: silent), e.g. to scan what gets logged. */
  logger?: Logger;
}

export interface TestGateway {
  url: string;
  app: FastifyInstance;
  rt: Runtime;
  config: Config;
  workers?: Workers;
  /** A connection of the test's own, to look at (or break) what the gateway keeps in Redis. */
  redis: Redis;
  /** The gateway's key builder, under this gateway's prefix. */
  keys: Keys;
  startWorkers(): Promise<Workers>;
  close(): Promise<void>;
}

export const uniquePrefix = () => `test-${randomBytes(5).toString('hex')}`;

export function testConfig(opts: GatewayOptions = {}): Config {
  const raw = {
    redisUrl: TEST_REDIS_URL,
    keyPrefix: opts.keyPrefix ?? uniquePrefix(),
    logLevel: 'silent',
    allowPrivateCallbacks: true,
    polling: { initialDelayMs: 25, maxDelayMs: 100, growth: 0.25, maxNotFound: 3 },
    retry: { sameProviderAttempts: 1, baseDelayMs: 20, maxDelayMs: 200, onAmbiguousSubmit: 'retry', resubmitOnUpstreamFailure: true },
    workers: { concurrency: 20, lockDurationMs: 2000, stalledIntervalMs: 1000, sweepIntervalMs: 500 },
    // Tests poll hard: tenants get a rate limit no test reaches unless they set one.
    tenants: (opts.tenants ?? [
      { id: 'tenant-a', apiKeys: [TENANT_A_KEY] },
      { id: 'tenant-b', apiKeys: [TENANT_B_KEY] },
    ]).map((t) => ({ rateLimitPerMinute: 1_000_000, ...t })),
    webhooks: { timeoutMs: 2000, baseDelayMs: 20, maxDelayMs: 200, maxAgeMs: 60_000 },
    // No scheduled balance reads unless a test sets them: they would be extra requests on every simulator.
    balances: { intervalMs: 0 },
    // Tests poll every few ms: lift the per-provider poll budget unless a test sets its own.
    providers: (opts.providers ?? []).map((p) => ({ pollsPerSecond: 10_000, ...p })),
    ...opts.config,
  };
  return parseConfig(JSON.stringify(raw), {});
}

export async function startGateway(opts: GatewayOptions = {}): Promise<TestGateway> {
  const config = testConfig(opts);
  const rt = await createRuntime(config, opts.logger ?? pino({ level: 'silent' }));
  // The server's own options (timeouts, trusted proxy headers), with the test's logger.
  const app = await buildApp(rt, { ...SERVER_OPTIONS, ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }) });
  await app.listen({ port: typeof opts.config?.port === 'number' ? opts.config.port : 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const gw: TestGateway = {
    url, app, rt, config, redis: new Redis(TEST_REDIS_URL), keys: createKeys(config.keyPrefix),
    async startWorkers() {
      gw.workers = await startWorkers(rt);
      return gw.workers;
    },
    async close() {
      await app.close();
      await gw.workers?.close();
      await rt.close();
      await gw.redis.quit();
      await dropPrefix(config.keyPrefix);
    },
  };
  if (opts.workers !== false) await gw.startWorkers();
  return gw;
}

/** Deletes every key under a prefix (tests clean up after themselves). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

export interface ApiAnswer<T = any> { status: number; body: T; headers: Record<string, string | string[] | undefined> }

/** One real HTTP call to the gateway. */
export async function api<T = any>(base: string, method: string, path: string, opts: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await request(`${base}${path}`, { method: method as 'GET', headers, body });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.statusCode, body: parsed as T, headers: res.headers };
}

const FINAL = new Set(['succeeded', 'failed', 'canceled']);

/** Polls the gateway until the task is final (or the time is up, which fails the test with the last state). */
export async function waitForTask(base: string, key: string, id: string, timeoutMs = 10_000, until: (t: Task) => boolean = (t) => FINAL.has(t.status)): Promise<Task> {
  const end = Date.now() + timeoutMs;
  let last: Task | undefined;
  while (Date.now() < end) {
    const res = await api<Task>(base, 'GET', `/v1/tasks/${id}`, { key });
    last = res.body;
    if (res.status === 200 && until(res.body)) return res.body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`task ${id} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the clock has passed into the next second. What a process holds from the rate limiter (a lease of
 * admissions, a refusal) lasts until the second of Redis's clock it was counted in ends; Redis runs on this machine's
 * clock, so after this every process asks Redis again.
 */
export const nextSecond = () => sleep(1005 - (Date.now() % 1000));

/** A port that was free a moment ago (for a gateway that must know its own public URL before it listens). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Two API processes (no workers) on one key prefix, as two replicas behind a load balancer, with an admin token and
 * one Legnext provider that nothing reaches. `close` stops the second, then the first (which drops the prefix).
 */
export async function startApiPair(keyPrefix: string, adminToken: string): Promise<{ one: TestGateway; two: TestGateway; close(): Promise<void> }> {
  const opts = { keyPrefix, workers: false, config: { adminToken }, providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }] };
  const one = await startGateway(opts);
  const two = await startGateway(opts);
  return {
    one, two,
    async close() {
      await two.app.close();
      await two.rt.close();
      await one.close();
    },
  };
}
