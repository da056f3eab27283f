/**
 * The gateway under benchmark: a JSON config written under bench/results/, and `node --import tsx src/main.ts`
 * processes started with ROLE=api|worker|all. Plus the bench's HTTP client for it (undici Pool, keep-alive).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { parseConfig, providerSchema, type Config } from '../../src/config.js';
import { guardStart, RESULTS, ROOT, SERVER_NODE_FLAGS, startProcess, waitFor, type Proc } from './proc.js';
import { REDIS_URL } from './redis.js';
import { SIM_KEY } from './upstream.js';

export const TENANT = 'bench';
export const TENANT_KEY = 'bench-tenant-key-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TENANT_KEY}`, 'content-type': 'application/json' };
export const IMAGINE = JSON.stringify({ action: 'imagine', prompt: 'a lighthouse on a cliff at dawn --ar 16:9' });

/** True when this checkout's config knows `providers[].pollsPerSecond` (the shared per-provider poll budget). */
export const HAS_POLL_BUDGET = 'pollsPerSecond' in providerSchema.shape;

export interface StageConfig {
  name: string;
  keyPrefix: string;
  simUrl: string;
  pollsPerSecond?: number;
  maxConcurrency?: number;
  publicUrl?: string;
  /** Any other top-level keys (deadlines, polling, …). */
  extra?: Record<string, unknown>;
}

/**
 * Writes the config file (defaults everywhere except what is listed here) and returns its path, its content and the
 * effective config as the gateway will read it (parsed by src/config.ts, so defaults quoted in the report are real).
 */
export function writeConfig(c: StageConfig): { path: string; config: Record<string, unknown>; effective: Config } {
  const provider: Record<string, unknown> = { id: 'legnext', type: 'legnext', apiKey: SIM_KEY, baseUrl: `${c.simUrl}/api`, maxConcurrency: c.maxConcurrency ?? 10_000 };
  if (HAS_POLL_BUDGET && c.pollsPerSecond !== undefined) provider.pollsPerSecond = c.pollsPerSecond;
  const config = {
    host: '127.0.0.1', redisUrl: REDIS_URL, keyPrefix: c.keyPrefix, logLevel: 'warn', allowPrivateCallbacks: true,
    ...(c.publicUrl ? { publicUrl: c.publicUrl } : {}),
    providers: [provider],
    tenants: [{ id: TENANT, apiKeys: [TENANT_KEY], rateLimitPerMinute: 100_000_000, maxConcurrentTasks: 1_000_000 }],
    ...c.extra,
  };
  mkdirSync(join(RESULTS, 'logs'), { recursive: true });
  const path = join(RESULTS, 'logs', `config-${c.name}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { path, config, effective: parseConfig(JSON.stringify(config), {}) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface GatewayProc {
  proc: Proc; role: 'api' | 'worker' | 'all'; url?: string; port?: number;
  /** The code it was started from: commit, and whether src/ or providers/ had uncommitted changes then. */
  code: string;
}

/** `abc1234` or `abc1234+changes`: what `node src/main.ts` loads right now (in this checkout, or in `dir`). */
export function codeVersion(dir = ROOT): string {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: dir }).toString().trim();
    } catch {
      return '';
    }
  };
  return `${git('rev-parse', '--short', 'HEAD') || 'unknown'}${git('status', '--porcelain', '--', 'src', 'providers') ? '+changes' : ''}`;
}

/**
 * Starts one gateway process; resolves when it answers /readyz (api, all) or its BullMQ workers are registered.
 * `cwd`: another checkout whose src/main.ts to run, started the same way (the A/B mode's gateway A). `redisUrl`:
 * where its workers register (the bench's Redis unless said otherwise); `logDir`: see startProcess.
 */
export async function startGateway(label: string, role: GatewayProc['role'], configPath: string, keyPrefix: string, opts: { port?: number; cpuProf?: boolean; workersBefore?: number; cwd?: string; redisUrl?: string; logDir?: string } = {}): Promise<GatewayProc> {
  const port = role === 'worker' ? undefined : opts.port ?? (await freePort());
  const env: Record<string, string> = { GATEWAY_CONFIG: configPath, ROLE: role, ...(port ? { PORT: String(port) } : {}) };
  const code = codeVersion(opts.cwd);
  const proc = startProcess(label, 'src/main.ts', env, { cpuProf: opts.cpuProf, nodeFlags: SERVER_NODE_FLAGS, cwd: opts.cwd, logDir: opts.logDir });
  if (port) {
    const url = `http://127.0.0.1:${port}`;
    await guardStart(proc, waitFor(`${label} /readyz`, async () => (await fetch(`${url}/readyz`)).status === 200, 30_000, 100));
    return { proc, role, url, port, code };
  }
  const connection = new Redis(opts.redisUrl ?? REDIS_URL, { maxRetriesPerRequest: null });
  const submissions = new Queue('submissions', { connection, prefix: `${keyPrefix}:bull` });
  try {
    const before = opts.workersBefore ?? 0;
    await guardStart(proc, waitFor(`${label} workers`, async () => (await submissions.getWorkersCount()) > before, 30_000, 100));
  } finally {
    await submissions.close();
    await connection.quit();
  }
  return { proc, role, code };
}

/** The bench's client for one gateway API process. */
export class Client {
  readonly pool: Pool;
  constructor(readonly url: string, connections = 64) {
    this.pool = new Pool(url, { connections, keepAliveTimeout: 60_000 });
  }

  async submit(body: string = IMAGINE): Promise<{ status: number; id?: string }> {
    const res = await this.pool.request({ method: 'POST', path: '/v1/tasks', headers: AUTH, body });
    const text = await res.body.text();
    return { status: res.statusCode, id: res.statusCode === 202 ? (JSON.parse(text) as { id: string }).id : undefined };
  }

  async getText(path: string): Promise<{ status: number; text: string }> {
    const res = await this.pool.request({ method: 'GET', path, headers: AUTH });
    return { status: res.statusCode, text: await res.body.text() };
  }

  /** Prometheus text of this process. */
  async metrics(): Promise<string> {
    return (await this.getText('/metrics')).text;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** A gauge's value from Prometheus text (first sample of the family). */
export function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}
