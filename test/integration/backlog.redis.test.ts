/**
 * A backlog costs nothing while it waits (the waiting room, src/store/room-store.ts): thousands of tasks queued behind
 * busy slots leave Redis idle but for the reads of the jobs in flight; tenants take turns; a worker killed while
 * slots are being handed over loses no task and leaks no slot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, freePort, sleep, startGateway, TENANT_A_KEY, TENANT_B_KEY, testConfig, waitForTask, type TestGateway } from '../helpers/gateway.js';

const PROVIDER = 'legnext-main';

/** Submits `n` tasks, `parallel` at a time; returns their ids in submit order. */
async function submitMany(gw: TestGateway, key: string, n: number, prompt: (i: number) => string, parallel = 25): Promise<string[]> {
  const ids: string[] = new Array(n);
  for (let i = 0; i < n; i += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, async (_, j) => {
      const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key, body: { action: 'imagine', prompt: prompt(i + j) } });
      if (res.status !== 202) throw new Error(`submit ${i + j}: ${res.status} ${JSON.stringify(res.body)}`);
      ids[i + j] = res.body.id;
    }));
  }
  return ids;
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const health = async (gw: TestGateway) => (await api(gw.url, 'GET', '/v1/providers', { key: TENANT_A_KEY })).body.data[0].health as { inFlight: number; waiting: number };

describe('a backlog', () => {
  let sim: Simulator | undefined;
  let gw: TestGateway | undefined;
  let redisProc: ChildProcess | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    await gw?.close();
    await sim?.close();
    redisProc?.kill('SIGKILL');
    gw = sim = redisProc = undefined;
  });

  it('of 2,000 tasks behind 10 busy slots costs Redis only the reads of the jobs in flight while it waits', async () => {
    // A Redis of its own: its command counter then sees this gateway alone.
    const port = await freePort();
    redisProc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const redisUrl = `redis://127.0.0.1:${port}/0`;
    const probe = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => 100 });
    probe.on('error', () => undefined);
    await until('redis answers', async () => (await probe.connect().then(() => probe.ping(), () => '')) === 'PONG', 10_000);
    try {
      sim = await startLegnextSimulator({ apiKey: 'lk' });
      sim.state.behaviour.outcome = { kind: 'never' }; // the ten jobs in flight run for the whole test
      gw = await startGateway({
        providers: [{ id: PROVIDER, type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, maxConcurrency: 10 }],
        // The production defaults for the background work (the tests' own defaults sweep every 500 ms).
        config: {
          redisUrl, polling: { initialDelayMs: 1000, maxDelayMs: 1000, growth: 0.25, maxNotFound: 3 },
          workers: { concurrency: 50, lockDurationMs: 30_000, stalledIntervalMs: 15_000, sweepIntervalMs: 30_000 },
        },
      });
      await submitMany(gw, TENANT_A_KEY, 2010, (i) => `backlog ${i}`);
      await until('2,000 tasks in line and 10 in flight', async () => {
        const h = await health(gw!);
        return h.inFlight === 10 && h.waiting === 2000;
      }, 60_000);
      await sleep(1500); // the last jobs settle into their delayed state
      const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await probe.info('stats'))![1]);
      const before = await commands();
      const t0 = Date.now();
      await sleep(4000);
      const perSecond = ((await commands()) - before) / ((Date.now() - t0) / 1000);
      console.info(`backlog of 2,000 behind 10 slots: ${Math.round(perSecond)} Redis commands/s while waiting`);
      // Ten reads a second of the jobs in flight and the idle loops' checks; nothing per waiting task.
      expect(perSecond).toBeLessThan(300);
      // Nothing moved meanwhile: still ten upstream, the rest in line.
      expect(await health(gw)).toMatchObject({ inFlight: 10, waiting: 2000 });
      const queued = (await api<{ data: Task[] }>(gw.url, 'GET', '/v1/tasks?status=queued&limit=1', { key: TENANT_A_KEY })).body.data[0]!;
      const one = (await api<Task & { queue?: { position: number; ahead: number } }>(gw.url, 'GET', `/v1/tasks/${queued.id}`, { key: TENANT_A_KEY })).body;
      expect(one.queue).toMatchObject({ position: 2000, ahead: 1999 }); // the newest is last in line
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`mjg_tasks_waiting\\{provider="${PROVIDER}",tenant="tenant-a"\\} 2000`));
      expect(metrics).toMatch(new RegExp(`mjg_oldest_wait_seconds\\{provider="${PROVIDER}"\\} [0-9.]+`));
    } finally {
      await gw?.close();
      gw = undefined;
      await probe.quit().catch(() => probe.disconnect());
    }
  }, 120_000);

  it("serves a second tenant's first task within a few slot turnovers of 1,000 queued by another", async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 150;
    gw = await startGateway({ providers: [{ id: PROVIDER, type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, maxConcurrency: 5 }] });
    await submitMany(gw, TENANT_A_KEY, 1000, (i) => `a ${i}`);
    await until('a backlog in line', async () => (await health(gw!)).waiting > 900);
    const submitsBefore = sim.state.requests.filter((r) => r.method === 'POST').length;
    const b = (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_B_KEY, body: { action: 'imagine', prompt: 'b first' } })).body;
    const done = await waitForTask(gw.url, TENANT_B_KEY, b.id, 20_000, (t) => t.status !== 'queued');
    expect(done.status).not.toBe('failed');
    const posts = sim.state.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { text: string }).text);
    const aheadOfB = posts.slice(submitsBefore, posts.indexOf('b first')).length;
    // Tenants take turns: b's task is next in line for the next freed slot. Ahead of it upstream go at most the tasks
    // of a already handed a slot when b arrived and one more turn of a: two turnovers of the 5 slots.
    expect(aheadOfB).toBeLessThanOrEqual(10);
  }, 120_000);

  it('loses no task and leaks no slot when workers are SIGKILLed while slots are being handed over', async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 100;
    const providers = [{ id: PROVIDER, type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, maxConcurrency: 2 }];
    gw = await startGateway({ providers, workers: false });
    const spawnWorker = () => {
      const path = join(mkdtempSync(join(tmpdir(), 'mjg-')), 'gateway.json');
      writeFileSync(path, JSON.stringify({ ...testConfig({ providers, keyPrefix: gw!.config.keyPrefix, config: { port: 0 } }), logLevel: 'error' }));
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ROLE: 'worker', GATEWAY_CONFIG: path }, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      return child;
    };
    const ids = await submitMany(gw, TENANT_A_KEY, 40, (i) => `kill ${i}`);
    for (let round = 0; round < 3; round++) {
      const worker = spawnWorker();
      // Let it work (hand-offs happen every ~100 ms with two slots), then kill it mid-stream.
      await until('some progress', async () => sim!.state.requests.filter((r) => r.method === 'POST').length >= (round + 1) * 8, 30_000);
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
    }
    spawnWorker();
    const tasks = await Promise.all(ids.map((id) => waitForTask(gw!.url, TENANT_A_KEY, id, 60_000)));
    expect(tasks.filter((t) => t.status !== 'succeeded').map((t) => `${t.id}: ${t.status} ${t.error?.message ?? ''}`)).toEqual([]);
    expect(sim.state.maxInFlight).toBeLessThanOrEqual(2);
    // Nothing held, nothing in line, no hand-off pending.
    const { redis, keys } = gw;
    await until('every slot back', async () => (await redis.zcard(keys.providerSlots(PROVIDER))) === 0 && (await redis.zcard(keys.tenantSlots('tenant-a'))) === 0, 10_000);
    expect(await redis.exists(keys.roomTenants(PROVIDER), keys.roomQueue(PROVIDER, 'tenant-a'))).toBe(0);
    expect(await redis.zcard(keys.handed)).toBe(0);
  }, 120_000);
});
