/** A Redis primary, a replica and a sentinel, started on free ports from the machine's redis-server (test only). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, sleep } from './gateway.js';

export interface SentinelSet {
  name: string;
  sentinel: string;
  /** The port of whichever instance is the primary now, by the sentinel. */
  primaryPort(): Promise<number>;
  /** `SENTINEL FAILOVER`: the replica is promoted, the primary demoted. */
  failover(): Promise<void>;
  close(): Promise<void>;
}

async function until(what: () => Promise<boolean>, ms: number, label: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${label} not within ${ms} ms`);
    await sleep(100);
  }
}

export async function startSentinelSet(name = 'mjg-primary'): Promise<SentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'mjg-sentinel-'));
  const children: ChildProcess[] = [];
  const run = (args: string[]) => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  // A test run that dies before its afterAll must not leave the instances running.
  process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const [p1, p2, ps] = [await freePort(), await freePort(), await freePort()];
  const base = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`];
  run(base(p1));
  run([...base(p2), '--replicaof', '127.0.0.1', String(p1)]);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [
    `port ${ps}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${p1} 1`, `sentinel down-after-milliseconds ${name} 2000`,
    `sentinel failover-timeout ${name} 10000`, `sentinel parallel-syncs ${name} 1`, '',
  ].join('\n'));
  run([conf, '--sentinel']);
  const admin = new Redis({ port: ps, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  const replica = new Redis({ port: p2, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 100 });
  for (const c of [admin, replica]) c.on('error', () => undefined); // the instances are killed at the end
  await until(async () => ((await replica.info('replication')).includes('master_link_status:up')), 15_000, 'replica in sync');
  await until(async () => ((await admin.call('SENTINEL', 'REPLICAS', name)) as unknown[]).length === 1, 15_000, 'sentinel sees the replica');
  const primaryPort = async () => Number(((await admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[])[1]);
  return {
    name, sentinel: `127.0.0.1:${ps}`, primaryPort,
    async failover() {
      const before = await primaryPort();
      await admin.call('SENTINEL', 'FAILOVER', name);
      await until(async () => (await primaryPort()) !== before, 20_000, 'failover');
    },
    async close() {
      admin.disconnect();
      replica.disconnect();
      for (const c of children) c.kill('SIGKILL');
      await sleep(100);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
