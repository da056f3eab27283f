/**
 * Real processes: roles, graceful stop, a worker SIGKILLed with 20 tasks in flight, and a Redis (AOF on) restarted
 * under load. Each spawns `src/main.ts` the way `npm start` runs `dist/src/main.js`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Config } from '../../src/config.js';
import type { Task } from '../../src/schemas/task.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { api, dropPrefix, freePort, sleep, startGateway, TENANT_A_KEY, testConfig, waitForTask, type TestGateway } from '../helpers/gateway.js';

const KEY = TENANT_A_KEY;
/** What each test leaves to afterEach: its processes, the key prefixes they wrote under, its temporary directories. */
const children: ChildProcess[] = [];
const prefixes = new Set<string>();
const dirs: string[] = [];
/** Servers a test started that afterEach stops (after the gateway processes). */
const cleanups: Array<() => Promise<void>> = [];

const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), name));
  dirs.push(dir);
  return dir;
};

function spawnRole(role: 'api' | 'worker' | 'all', config: Config): ChildProcess {
  const path = join(tempDir('mjg-'), 'gateway.json');
  writeFileSync(path, JSON.stringify({ ...config, logLevel: 'warn' }));
  prefixes.add(config.keyPrefix);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ROLE: role, GATEWAY_CONFIG: path }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}
/** A process's nice value, from /proc/<pid>/stat (field 19). */
const nice = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};
/** The exit code once the process has ended (null when a signal ended it), at once if it already has. */
const exited = (c: ChildProcess) =>
  new Promise<number | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

async function waitHttp(url: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

describe('processes', () => {
  let sim: Simulator | undefined;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    // The processes are gone before their keys are dropped: nothing writes under a prefix once it is deleted.
    await Promise.all(children.splice(0).map((c) => {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      return exited(c);
    }));
    await gw?.close();
    await sim?.close();
    gw = undefined;
    sim = undefined;
    for (const prefix of prefixes) await dropPrefix(prefix);
    prefixes.clear();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    for (const stop of cleanups.splice(0)) await stop();
  });

  it('ROLE=all serves and works, and SIGTERM exits 0 within 10 s', async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    const port = await freePort();
    const config = testConfig({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }], config: { port, host: '127.0.0.1' } });
    const child = spawnRole('all', config);
    const url = `http://127.0.0.1:${port}`;
    await waitHttp(`${url}/readyz`);
    const res = await api<Task>(url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: 'role all' } });
    expect((await waitForTask(url, KEY, res.body.id)).status).toBe('succeeded');
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('ROLE=worker opens no HTTP port, and lowers its priority by workers.niceness (ROLE=all does not)', async () => {
    const port = await freePort();
    const allPort = await freePort();
    const niceness = { workers: { niceness: 7 } };
    const child = spawnRole('worker', testConfig({ config: { port, host: '127.0.0.1', ...niceness } }));
    const both = spawnRole('all', testConfig({ config: { port: allPort, host: '127.0.0.1', ...niceness } }));
    await waitHttp(`http://127.0.0.1:${allPort}/readyz`);
    await sleep(1000);
    expect(child.exitCode).toBeNull();
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'open', () => 'closed')).toBe('closed');
    expect(nice(child.pid!)).toBe(7);
    expect(nice(both.pid!)).toBe(nice(process.pid));
    child.kill('SIGTERM');
    both.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(await exited(both)).toBe(0);
  }, 20_000);

  it('brings 20 in-flight tasks to succeeded after their worker is SIGKILLed', async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 2000;
    sim.state.behaviour.latencyMs = 100;
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, maxConcurrency: 50 }], workers: false });
    const worker = spawnRole('worker', gw.config);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: `in flight ${i}` } })).body.id);
    await Promise.all(ids.map((id) => waitForTask(gw!.url, KEY, id, 20_000, (t) => t.status !== 'queued')));
    worker.kill('SIGKILL');
    await exited(worker);
    spawnRole('worker', gw.config);
    const done = await Promise.all(ids.map((id) => waitForTask(gw!.url, KEY, id, 30_000)));
    expect(done.map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));
    expect(sim.state.jobs.size).toBe(20); // taken over, never submitted twice
    // Every task ended: no provider or tenant slot may still be held (the final write freed them).
    expect(await gw.redis.zcard(gw.keys.providerSlots('legnext-main'))).toBe(0);
  }, 60_000);

  it('retries submits cut short by a SIGKILL on the provider that had them in flight', async () => {
    const sims = [await startLegnextSimulator({ apiKey: 'lk' }), await startLegnextSimulator({ apiKey: 'lk' })];
    sim = sims[1];
    for (const s of sims) {
      s.state.behaviour.jobDurationMs = 200;
      s.state.behaviour.latencyMs = 3000; // the submit is still in flight when the worker dies
    }
    try {
      // Two equal providers: a retry free to choose would land on the other one about half the time.
      const providers = sims.map((s, i) => ({ id: `p${i}`, type: 'legnext', apiKey: 'lk', baseUrl: `${s.url}/api`, maxConcurrency: 50 }));
      gw = await startGateway({ providers, workers: false });
      const worker = spawnRole('worker', gw.config);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await api<Task>(gw.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: `cut ${i}` } })).body.id);
      const seen = () => sims.reduce((n, s) => n + s.state.requests.filter((r) => r.method === 'POST').length, 0);
      for (let end = Date.now() + 20_000; seen() < 12 && Date.now() < end; ) await sleep(50);
      worker.kill('SIGKILL');
      await exited(worker);
      for (const s of sims) s.state.behaviour.latencyMs = 10;
      spawnRole('worker', gw.config);
      const done = await Promise.all(ids.map((id) => waitForTask(gw!.url, KEY, id, 40_000)));
      expect(done.map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));
      for (const t of done) {
        const crashed = t.attempts.filter((a) => a.outcome === 'ambiguous');
        expect(crashed.length, JSON.stringify(t.attempts)).toBeGreaterThan(0);
        expect(new Set(t.attempts.map((a) => a.provider)), JSON.stringify(t.attempts)).toEqual(new Set([t.provider]));
      }
    } finally {
      await sims[0]!.close();
    }
  }, 90_000);

  it('loses no task when Redis (AOF on) restarts during work', async () => {
    const redis = await startRedisServer({ aof: true, fsync: 'always' });
    cleanups.push(() => redis.close());
    const redisUrl = redis.url;
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 1500;
    const config = testConfig({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }], config: { redisUrl } });
    const apiPort = await freePort();
    spawnRole('api', { ...config, port: apiPort, host: '127.0.0.1' });
    spawnRole('worker', config);
    const url = `http://127.0.0.1:${apiPort}`;
    await waitHttp(`${url}/readyz`);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await api<Task>(url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt: `aof ${i}` } })).body.id);
    await sleep(300);
    await redis.kill();
    await sleep(500);
    await redis.start();
    const done = await Promise.all(ids.map((id) => waitForTask(url, KEY, id, 30_000)));
    expect(done.map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));
  }, 60_000);
});
