/**
 * A Redis primary, a replica and a sentinel, started on free ports from the machine's redis-server (test only);
 * with `tls`, every instance speaks TLS only: replication and the sentinel's links included.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './gateway.js';
import { makeTlsFiles, RedisProcesses, tlsServerArgs, until, type TlsFiles } from './redis-servers.js';

export interface SentinelSet {
  name: string;
  sentinel: string;
  /** The CA and certificate every instance serves (with `tls`). */
  tls?: TlsFiles;
  /** The port of whichever instance is the primary now, by the sentinel. */
  primaryPort(): Promise<number>;
  /** `SENTINEL FAILOVER`: the replica is promoted, the primary demoted. */
  failover(): Promise<void>;
  close(): Promise<void>;
}

export async function startSentinelSet(opts: { name?: string; tls?: boolean } = {}): Promise<SentinelSet> {
  const name = opts.name ?? 'mjg-primary';
  const procs = new RedisProcesses();
  const tls = opts.tls ? makeTlsFiles(procs.dir) : undefined;
  const [p1, p2, ps] = [await freePort(), await freePort(), await freePort()];
  const listen = (port: number) => (tls ? [...tlsServerArgs(port, tls), '--tls-replication', 'yes'] : ['--port', String(port)]);
  procs.run([...procs.base(p1), ...listen(p1)]);
  procs.run([...procs.base(p2), ...listen(p2), '--replicaof', '127.0.0.1', String(p1)]);
  const conf = join(procs.dir, 'sentinel.conf');
  const tlsConf = tls
    ? ['port 0', `tls-port ${ps}`, `tls-cert-file ${tls.cert}`, `tls-key-file ${tls.key}`, `tls-ca-cert-file ${tls.ca}`, 'tls-auth-clients no', 'tls-replication yes']
    : [`port ${ps}`];
  writeFileSync(conf, [
    ...tlsConf, 'bind 127.0.0.1', `dir ${procs.dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${p1} 1`, `sentinel down-after-milliseconds ${name} 2000`,
    `sentinel failover-timeout ${name} 10000`, `sentinel parallel-syncs ${name} 1`, '',
  ].join('\n'));
  procs.run([conf, '--sentinel']);
  const admin = procs.client(ps, tls, { maxRetriesPerRequest: 1 });
  const replica = procs.client(p2, tls);
  await until(async () => ((await replica.info('replication')).includes('master_link_status:up')), 15_000, 'replica in sync');
  await until(async () => ((await admin.call('SENTINEL', 'REPLICAS', name)) as unknown[]).length === 1, 15_000, 'sentinel sees the replica');
  const primaryPort = async () => Number(((await admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[])[1]);
  return {
    name, sentinel: `127.0.0.1:${ps}`, primaryPort, ...(tls ? { tls } : {}),
    async failover() {
      const before = await primaryPort();
      await admin.call('SENTINEL', 'FAILOVER', name);
      await until(async () => (await primaryPort()) !== before, 20_000, 'failover');
    },
    close: () => procs.close(),
  };
}
