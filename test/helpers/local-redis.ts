/** A redis-server of the test's own on a free port, to stop and start again under a running gateway (test only). */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, sleep } from './gateway.js';

/** Waits for `check` to hold, polling every 20 ms; fails naming `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

export interface LocalRedis {
  url: string;
  /** A connection of the test's own (it reconnects after a restart). */
  probe: Redis;
  /** Starts the server (again, on the same port) and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  close(): void;
}

export async function localRedis(): Promise<LocalRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}/0`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  probe.on('error', () => undefined);
  let proc: ChildProcess | undefined;
  return {
    url, probe,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await until('redis answers', async () => (await probe.ping().catch(() => '')) === 'PONG');
    },
    async kill() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
    },
    close() {
      probe.disconnect();
      proc?.kill('SIGKILL');
    },
  };
}
