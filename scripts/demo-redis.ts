/**
 * Helpers for `npm run demo`: free ports, a quick Redis PING, a private `redis-server` child when no Redis answers,
 * and removal of the demo's keys.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

export interface DemoRedis {
  url: string;
  /** True when this process started the server (and stops it in `stop`). */
  private: boolean;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `preferred` when it can be bound on `host`, else a port the OS picks. */
export async function freePort(preferred = 0, host = '127.0.0.1'): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(undefined));
      srv.listen(port, host, () => {
        const addr = srv.address();
        const got = typeof addr === 'object' && addr ? addr.port : undefined;
        srv.close(() => resolve(got));
      });
    });
  const got = (preferred > 0 ? await tryPort(preferred) : undefined) ?? (await tryPort(0));
  if (got === undefined) throw new Error('no free TCP port');
  return got;
}

/** True when Redis at `url` answers PING within `timeoutMs` (one attempt, no retries). */
export async function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Whether an executable named `bin` is on PATH. */
export function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The private server runs under a small `sh` watchdog holding our stdin: when this process ends in any way
 * (SIGKILL included) the pipe closes, `cat` returns and the server is stopped. The shell exits with the server.
 */
const WATCHDOG = 'exec 3<&0; redis-server "$@" </dev/null & pid=$!; (cat <&3 >/dev/null; kill "$pid" 2>/dev/null) & wait "$pid"';

/** Starts `redis-server` on a free loopback port, without persistence, stopped with this process. */
export async function startPrivateRedis(): Promise<DemoRedis> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer | string) => (output = (output + d.toString()).slice(-2000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  child.once('error', (err) => keep(err.message));
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };
  for (let i = 0; i < 50 && !exited; i++) {
    if (await pingRedis(url, 200)) return { url, private: true, stop };
    await sleep(100);
  }
  await stop();
  const last = output.trim().split('\n').slice(-3).join(' | ');
  throw new Error(`redis-server did not start on port ${port}: ${last || 'no answer to PING'}`);
}

/**
 * A Redis for the demo: `url` when it answers, else a private `redis-server` when one is on PATH, else undefined
 * (the caller says how to get one).
 */
export async function findRedis(url: string): Promise<DemoRedis | undefined> {
  if (await pingRedis(url)) return { url, private: false, stop: () => Promise.resolve() };
  if (!onPath('redis-server')) return undefined;
  return startPrivateRedis();
}

/** Deletes every key under `prefix:` (SCAN + UNLINK). */
export async function dropPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  let dropped = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) dropped += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return dropped;
}
