/**
 * `npm run demo`: the gateway (HTTP + workers, in this process) in front of local simulators of every provider type,
 * a demo tenant with a fresh key, a sample task run end to end, and `curl` lines that work as pasted.
 * `--check` (tests/CI) does the same, submits one imagine over real HTTP, waits for `succeeded`, and exits 0.
 * Redis: REDIS_URL or redis://127.0.0.1:6379; when none answers, a private `redis-server` (stopped on exit).
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { startAggregatorSimulator } from '../providers/aggregator/simulator.js';
import { startApimartSimulator } from '../providers/apimart/simulator.js';
import { startLegnextSimulator } from '../providers/legnext/simulator.js';
import type { Simulator } from '../providers/sim/kit.js';
import { ConfigError, parseConfig } from '../src/config.js';
import { loggerOptions } from '../src/logger.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { startServer } from '../src/server.js';
import { startWorkers, type Workers } from '../src/worker.js';
import { dropPrefix, findRedis, freePort, type DemoRedis } from './demo-redis.js';

const CHECK = process.argv.includes('--check');
const SIM_JOB_MS = 3000;
const TASK_TIMEOUT_MS = 30_000;
const FINAL = new Set(['succeeded', 'failed', 'canceled']);
const out = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Task { id: string; status: string; provider: string | null; error: unknown; output?: { imageUrls: string[] } | null }

/** What has been started so far, closed in reverse by `shutdown` whatever the point of failure. */
const started: { redis?: DemoRedis; sims: Simulator[]; rt?: Runtime; workers?: Workers; server?: FastifyInstance; prefix?: string } = { sims: [] };
let closing: Promise<void> | undefined;

function shutdown(): Promise<void> {
  closing ??= (async () => {
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`demo: while closing ${what}: ${(err as Error).message}\n`);
      }
    };
    const { server, workers, rt, redis, prefix, sims } = started;
    if (server) await step('the server', () => server.close());
    if (workers) await step('the workers', () => workers.close());
    if (rt) await step('the runtime', () => rt.close());
    // A shared Redis gets its demo keys removed (else stale jobs of this run would resurface in the next);
    // a private one holds nothing on disk and simply stops.
    if (redis && !redis.private && prefix) await step('the demo keys', () => dropPrefix(redis.url, prefix));
    await Promise.all(sims.map((s) => step('a simulator', () => s.close())));
    if (redis) await step('redis-server', () => redis.stop());
  })();
  return closing;
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = await findRedis(redisUrl);
  if (!redis) {
    process.stderr.write(`demo: no Redis answers at ${redisUrl} and no redis-server is on PATH: install one (apt-get install redis-server, brew install redis) or start one with \`docker compose up -d redis\`, then run npm run demo again\n`);
    process.exit(1);
  }
  started.redis = redis;
  if (redis.private && !CHECK) out(`demo: no Redis at ${redisUrl}; started a private redis-server at ${redis.url} (stopped on exit)`);

  const keys = { legnext: 'sim-legnext-key', apimart: 'sim-apimart-key', aggregator: 'sim-aggregator-key' };
  const legnext = await startLegnextSimulator({ apiKey: keys.legnext, serveFiles: true });
  started.sims.push(legnext);
  const aggregator = await startAggregatorSimulator({ apiKey: keys.aggregator, serveFiles: true });
  started.sims.push(aggregator);
  const apimart = await startApimartSimulator({ apiKey: keys.apimart, serveFiles: true });
  started.sims.push(apimart);
  for (const sim of started.sims) sim.state.behaviour.jobDurationMs = SIM_JOB_MS;

  const port = await freePort(CHECK ? 0 : Number(process.env.PORT) || 8080);
  const base = `http://127.0.0.1:${port}`;
  const tenantKey = `mjg_demo_${randomBytes(16).toString('hex')}`;
  const prefix = CHECK ? `mjg-demo-check-${randomBytes(4).toString('hex')}` : 'mjg-demo';
  const raw = {
    port, host: '127.0.0.1', redisUrl: redis.url, keyPrefix: prefix, publicUrl: base, allowPrivateCallbacks: true,
    adminToken: randomBytes(16).toString('hex'),
    logLevel: process.env.LOG_LEVEL || 'warn',
    polling: { initialDelayMs: 500, maxDelayMs: 2000, growth: 0.25, maxNotFound: 5 },
    providers: [
      { id: 'legnext-main', type: 'legnext', apiKey: keys.legnext, baseUrl: `${legnext.url}/api`, priority: 1 },
      { id: 'apimart', type: 'apimart', apiKey: keys.apimart, baseUrl: apimart.url, priority: 2 },
      { id: 'vtrix', type: 'aggregator', apiKey: keys.aggregator, baseUrl: aggregator.url, priority: 2 },
    ],
    tenants: [{ id: 'demo', name: 'Demo tenant', apiKeys: [tenantKey] }],
    // Results are mirrored from the simulators (real PNG files) and served by the gateway itself.
    media: { store: 'local', dir: join(tmpdir(), 'mjg-demo-media'), mirror: true, allowPrivateHosts: true },
  };
  // Port, host, Redis and public URL are decided above; only LOG_LEVEL may still override from the environment.
  const { PORT, HOST, REDIS_URL, PUBLIC_URL, ADMIN_TOKEN, ...env } = process.env;
  const config = parseConfig(JSON.stringify(raw), env);
  started.prefix = prefix;

  const rt = (started.rt = await createRuntime(config, pino(loggerOptions(config.logLevel))));
  started.workers = await startWorkers(rt);
  started.server = await startServer(rt);

  const call = async (method: string, path: string, body?: unknown): Promise<Task> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${tenantKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as Task;
  };
  const waitFinal = async (id: string): Promise<Task> => {
    const end = Date.now() + TASK_TIMEOUT_MS;
    for (;;) {
      const task = await call('GET', `/v1/tasks/${id}`);
      if (FINAL.has(task.status)) return task;
      if (Date.now() > end) throw new Error(`task ${id} still ${task.status} after ${TASK_TIMEOUT_MS / 1000} s`);
      await sleep(250);
    }
  };

  if (!CHECK) out(`demo: gateway up on ${base}; running a sample imagine through it (simulated jobs take ~${SIM_JOB_MS / 1000} s)…`);
  const submitted = await call('POST', '/v1/tasks', { action: 'imagine', prompt: 'a lighthouse on a cliff at dawn --ar 16:9' });
  const sample = await waitFinal(submitted.id);
  if (sample.status !== 'succeeded') throw new Error(`sample task ${sample.id} ended ${sample.status}: ${JSON.stringify(sample.error)}`);
  const picture = sample.output?.imageUrls[0] ?? '';
  if (!picture.startsWith(`${base}/media/`)) throw new Error(`sample task ${sample.id} was not mirrored: ${JSON.stringify(sample.output)}`);

  if (CHECK) {
    out(`demo check: ok ${sample.id}`);
    return;
  }
  printGuide({ base, tenantKey, adminToken: raw.adminToken, sample, redis, prefix, providers: raw.providers });
}

function printGuide(o: { base: string; tenantKey: string; adminToken: string; sample: Task; redis: DemoRedis; prefix: string; providers: Array<{ id: string; type: string; baseUrl: string }> }): void {
  const auth = `-H 'Authorization: Bearer ${o.tenantKey}'`;
  const post = (body: Record<string, unknown>) => `curl -s -X POST ${o.base}/v1/tasks ${auth} -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`;
  const get = (path: string) => `curl -s '${o.base}${path}' ${auth}`;
  const lines: Array<[string, string]> = [
    ['Submit an imagine (202, status "queued"; it succeeds ~4 s later)', post({ action: 'imagine', prompt: 'a red fox in fresh snow --ar 3:2' })],
    [`Read a task back (the sample one, already succeeded on ${o.sample.provider}; use any id from a submit)`, get(`/v1/tasks/${o.sample.id}`)],
    ['Follow-ups on it: a variation of image 2, an upscale of image 1 (they go to the provider that ran it)', post({ action: 'variation', taskId: o.sample.id, index: 2 })],
    ['', post({ action: 'upscale', taskId: o.sample.id, index: 1 })],
    ['Upload an image (PNG/JPEG/WebP/GIF) and get a link to use in imageUrls; or put a data:image/...;base64, URL there directly', `curl -s -X POST ${o.base}/v1/media ${auth} -F file=@picture.png`],
    ['List your tasks, newest first', get('/v1/tasks?limit=10')],
    ['Providers: capabilities and health', get('/v1/providers')],
    ['An upstream failure: failed with upstream_error (after one resubmit to another provider)', post({ action: 'imagine', prompt: 'a storm [sim:fail]' })],
    ['A content rejection: failed with content_rejected, never resubmitted', post({ action: 'imagine', prompt: 'a storm [sim:banned]' })],
  ];
  out();
  out(`mj-gateway demo on ${o.base}`);
  out(`  Redis     ${o.redis.url} (${o.redis.private ? 'private redis-server, stopped on exit' : `shared; keys under ${o.prefix}:*, removed on exit`})`);
  for (const p of o.providers) out(`  provider  ${p.id.padEnd(13)} ${p.type.padEnd(10)} → simulator ${p.baseUrl}`);
  out(`  tenant    demo, key ${o.tenantKey}`);
  out(`  admin     token ${o.adminToken} (Bearer, for /admin/*)`);
  out(`\nOpen the sample's first image (mirrored from the simulator, served by the gateway) in a browser:\n${o.sample.output?.imageUrls[0] ?? ''}`);
  for (const [comment, line] of lines) {
    if (comment) out(`\n# ${comment}`);
    out(line);
  }
  out(`\nSwagger UI: ${o.base}/docs   OpenAPI: ${o.base}/openapi.json   Metrics: ${o.base}/metrics`);
  out(`Ctrl-C stops the gateway${o.redis.private ? ', the simulators and the private redis-server' : ' and the simulators'}.`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void shutdown().then(() => process.exit(0)));
}

main()
  .then(async () => {
    if (!CHECK) return; // keep serving until a signal
    await shutdown();
    process.exit(0);
  })
  .catch(async (err: unknown) => {
    if (closing) return; // a signal is already shutting down (and exits 0)
    const msg = err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`demo${CHECK ? ' check' : ''}: failed: ${msg}\n`);
    await shutdown();
    process.exit(1);
  });
