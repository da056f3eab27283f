/**
 * A worker SIGKILLed in the middle of mirroring (its downloads held half-sent by the simulator): no half file ever
 * becomes a media object, the task still ends succeeded with mirrored URLs once another worker takes the read over,
 * and the sweeper removes the temp file the dead writer left. Generous timeouts: this spawns a real process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, dropPrefix, freePort, sleep, startGateway, TENANT_A_KEY, testConfig, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { fetchBytes, MEDIA_SECRET, tempMediaDir } from '../helpers/media.js';

const until = async (what: string, ok: () => Promise<boolean> | boolean, ms = 60_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('a worker killed mid-mirror', () => {
  let sim: Simulator | undefined;
  let gw: TestGateway | undefined;
  let child: ChildProcess | undefined;
  let store: Awaited<ReturnType<typeof tempMediaDir>>;
  let prefix = '';
  let configFile = '';

  beforeAll(async () => {
    store = await tempMediaDir();
    sim = await startLegnextSimulator({ apiKey: 'lk', serveFiles: true });
    sim.state.behaviour.jobDurationMs = 60;
  }, 60_000);
  // Everything this test started goes, whatever happened: the process first, so nothing writes under the prefix after.
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    sim?.state.releaseFiles();
    await gw?.close().catch(() => undefined);
    await sim?.close();
    if (prefix) await dropPrefix(prefix);
    await store?.remove();
    if (configFile) await rm(configFile, { force: true });
  }, 60_000);

  it('leaves no partial object, and the task still ends with mirrored URLs', async () => {
    const port = await freePort();
    const opts = {
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim!.url}/api` }],
      config: { port, host: '127.0.0.1', publicUrl: `http://127.0.0.1:${port}`, media: { dir: store.dir, signingSecret: MEDIA_SECRET, allowPrivateHosts: true, downloadTimeoutMs: 60_000 } },
    };
    // The API here, the first worker in a process of its own (same prefix, same store).
    gw = await startGateway({ ...opts, workers: false });
    prefix = gw.config.keyPrefix;
    const file = (configFile = join(store.dir, '..', `${prefix}.json`));
    await writeFile(file, JSON.stringify({ ...testConfig({ ...opts, keyPrefix: prefix }), logLevel: 'warn' }));
    sim!.state.stallFiles = true;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ROLE: 'worker', GATEWAY_CONFIG: file }, stdio: ['ignore', 'ignore', 'inherit'] });

    const res = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'a crash' } });
    expect(res.status).toBe(202);
    const partialDir = join(store.dir, '.partial');
    await until('a download held mid-body with its temp file open', async () => sim!.state.stalledFiles > 0 && (await readdir(partialDir).catch(() => [])).length > 0);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const left = await readdir(partialDir);
    expect(left.length).toBeGreaterThan(0);
    expect((await store.files()).filter((f) => !left.includes(f))).toEqual([]);
    expect((await api(gw.url, 'GET', `/v1/tasks/${res.body.id}`, { key: TENANT_A_KEY })).body.status).not.toBe('succeeded');

    sim!.state.releaseFiles();
    await gw.startWorkers();
    const task = await waitForTask(gw.url, TENANT_A_KEY, res.body.id, 60_000);
    expect(task.status).toBe('succeeded');
    const out = task.output as typeof task.output & { mirrorError?: string };
    expect(out.mirrorError).toBeUndefined();
    for (const u of [out.gridImageUrl!, ...out.imageUrls]) {
      expect(u.startsWith(`${gw.url}/media/`)).toBe(true);
      const copy = await fetchBytes(u);
      expect(copy.status).toBe(200);
      expect(copy.body.length).toBeGreaterThan(100);
    }
    expect(await gw.rt.media.store.usage('tenant-a')).toMatchObject({ count: 5 });

    // The dead writer's temp files are the sweeper's; the objects are untouched.
    const swept = await gw.rt.media.sweep(Date.now(), 0);
    expect(swept.partial).toBe(left.length);
    expect(await readdir(partialDir)).toEqual([]);
    expect((await store.files()).length).toBe(5);
  }, 120_000);
});
