/**
 * redis-server processes a test starts on free ports (plain or TLS), killed when the test process exits, and a
 * throwaway CA with a server certificate for 127.0.0.1 / localhost made with openssl (test only).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort, sleep } from './gateway.js';

/** PEM files of a throwaway CA and of a server certificate it signed. */
export interface TlsFiles { ca: string; cert: string; key: string }

/** Waits until `what` holds (errors count as "not yet"). */
export async function until(what: () => Promise<boolean>, ms: number, label: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${label} not within ${ms} ms`);
    await sleep(100);
  }
}

/** A CA and a server certificate for 127.0.0.1 and localhost, written into `dir`. */
export function makeTlsFiles(dir: string): TlsFiles {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', '-new', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=mjg-test-ca');
  ssl('req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.cnf');
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

/** redis-server arguments that make it speak TLS only on `port` (clients need no certificate of their own). */
export const tlsServerArgs = (port: number, files: TlsFiles) => [
  '--port', '0', '--tls-port', String(port), '--tls-cert-file', files.cert, '--tls-key-file', files.key,
  '--tls-ca-cert-file', files.ca, '--tls-auth-clients', 'no',
];

/** Processes started under one temporary directory, all killed by `close()` (or when the test process exits). */
export class RedisProcesses {
  readonly dir = mkdtempSync(join(tmpdir(), 'mjg-redis-'));
  private readonly children: ChildProcess[] = [];
  private readonly clients: Redis[] = [];

  constructor() {
    // A test run that dies before its afterAll must not leave the instances running.
    process.once('exit', () => this.children.forEach((c) => c.kill('SIGKILL')));
  }

  /** Persistence off, files in the temporary directory. */
  base(port: number): string[] {
    return ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--dbfilename', `dump-${port}.rdb`];
  }

  run(args: string[]): ChildProcess {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.children.push(child);
    return child;
  }

  /** A connection of the test's own to one instance (closed with the processes; errors ignored: they get killed). */
  client(port: number, tls?: TlsFiles, opts: RedisOptions = {}): Redis {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 100, ...(tls ? { tls: { ca: readPem(tls.ca) } } : {}), ...opts });
    c.on('error', () => undefined);
    this.clients.push(c);
    return c;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    for (const c of this.children) c.kill('SIGKILL');
    await sleep(100);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const readPem = (path: string) => readFileSync(path, 'utf8');

export interface TlsRedis { url: string; port: number; files: TlsFiles; close(): Promise<void> }

/** One redis-server speaking TLS only, with its CA (for `redisTls.ca`). */
export async function startTlsRedis(): Promise<TlsRedis> {
  const procs = new RedisProcesses();
  const files = makeTlsFiles(procs.dir);
  const port = await freePort();
  procs.run([...procs.base(port), ...tlsServerArgs(port, files)]);
  const probe = procs.client(port, files, { maxRetriesPerRequest: 1 });
  await until(async () => (await probe.ping()) === 'PONG', 10_000, 'a TLS redis-server (this needs a redis-server built with TLS)');
  return { url: `rediss://127.0.0.1:${port}/0`, port, files, close: () => procs.close() };
}
