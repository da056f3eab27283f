import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, sleep, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

/** Starts `src/main.ts` as a real process with the given role and config file. */
function spawnGateway(role: 'worker' | 'api' | 'all', configPath: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ROLE: role, GATEWAY_CONFIG: configPath, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

describe('when a worker process dies mid-poll', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let configPath: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 2500;
    sim.state.behaviour.latencyMs = 150; // polls take a while, so the kill often lands mid-request
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }], workers: false });
    configPath = join(mkdtempSync(join(tmpdir(), 'mjg-')), 'gateway.json');
    writeFileSync(configPath, JSON.stringify({ ...gw.config, logLevel: 'warn' }));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await gw?.close();
    await sim?.close();
  });

  it('leaves tasks queued while only the API runs, and a new worker brings every task to succeeded', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: `durable ${i}` } });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    await sleep(300);
    for (const id of ids) expect((await api<Task>(gw.url, 'GET', `/v1/tasks/${id}`, { key: TENANT_A_KEY })).body.status).toBe('queued');

    child = spawnGateway('worker', configPath);
    // Every task accepted upstream: the worker is now polling them.
    for (const id of ids) await waitForTask(gw.url, TENANT_A_KEY, id, 20_000, (t) => t.status === 'submitted' || t.status === 'running');
    await sleep(400);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const submitsBefore = sim.state.requests.filter((r) => r.method === 'POST').length;

    await gw.startWorkers();
    const done = await Promise.all(ids.map((id) => waitForTask(gw.url, TENANT_A_KEY, id, 20_000)));
    for (const t of done) {
      expect(t.status).toBe('succeeded');
      expect(t.output?.imageUrls).toHaveLength(4);
    }
    // Taking over a poll re-reads the job; it never submits the task again.
    expect(sim.state.requests.filter((r) => r.method === 'POST').length).toBe(submitsBefore);
    expect(sim.state.jobs.size).toBe(ids.length);
  }, 60_000);
});
