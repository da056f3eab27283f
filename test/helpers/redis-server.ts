/**
 * A redis-server of its own on a free port (AOF on by default), in a temporary directory, that can be SIGKILLed and
 * started again on the same port and files: what the durability tests and the chaos suite restart under load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, sleep } from './gateway.js';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** SIGKILL: no shutdown save, what the AOF holds is all there is. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (replaying the AOF); resolves when it answers PING. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const gone = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

export async function startRedisServer(opts: { aof?: boolean; fsync?: 'always' | 'everysec' } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mjg-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', opts.aof === false ? 'no' : 'yes', '--appendfsync', opts.fsync ?? 'always'];
  let child: ChildProcess | undefined;
  const kill = () => child?.kill('SIGKILL');
  process.once('exit', kill); // a run that dies early leaves no server behind
  const server: RedisServer = {
    port, dir, url: `redis://127.0.0.1:${port}/0`,
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await gone(child);
      child = undefined;
    },
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      probe.on('error', () => undefined);
      try {
        for (let i = 0; i < 150; i++) {
          // LOADING while the AOF replays: not ready yet.
          if ((await probe.ping().catch(() => '')) === 'PONG') return;
          await sleep(100);
        }
        throw new Error(`redis-server on port ${port} did not answer PING within 15 s`);
      } finally {
        probe.disconnect();
      }
    },
    async close() {
      await server.kill();
      process.removeListener('exit', kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
