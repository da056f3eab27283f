/**
 * The Sentinel phase: a primary, a replica and a sentinel of their own, the gateway (one API, one worker) configured
 * with `redisSentinel`, tasks submitted steadily while `SENTINEL FAILOVER` moves the primary.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startGateway } from '../bench/lib/gateway.js';
import { sleep } from '../bench/lib/proc.js';
import { startReceiver } from '../test/helpers/receiver.js';
import { startSentinelSet } from '../test/helpers/redis-sentinel.js';
import { gatewayConfig, startSims, TENANTS, WORKERS } from './cluster.js';
import { drain } from './drain.js';
import type { FaultRecord } from './faults.js';
import { fuzz } from './fuzz.js';
import { Load } from './load.js';
import { measure, type Figures } from './measure.js';

export interface PhaseResult { figures: Figures; fuzz: Awaited<ReturnType<typeof fuzz>>; ms: number; unexpectedExits: string[] }

export async function sentinelPhase(logDir: string, runId: string, tasks: number, perSecond: number, jobMs: number, drainMs: number): Promise<PhaseResult> {
  const started = Date.now();
  const set = await startSentinelSet({ name: 'chaos-primary' });
  const sims = await startSims(jobMs);
  const receiver = await startReceiver();
  const keyPrefix = 'chaos-sentinel';
  const primaryUrl = async () => `redis://127.0.0.1:${await set.primaryPort()}/0`;
  const configPath = join(logDir, 'gateway-sentinel.json');
  writeFileSync(configPath, JSON.stringify(gatewayConfig({ redisSentinel: { name: set.name, sentinels: [set.sentinel] } }, sims, keyPrefix), null, 2));
  const port = await freePort();
  const opts = { redisUrl: await primaryUrl(), logDir };
  const procs = [
    await startGateway('sentinel-api', 'api', configPath, keyPrefix, { ...opts, port }),
    await startGateway('sentinel-worker', 'worker', configPath, keyPrefix, opts),
  ];
  const apiUrl = `http://127.0.0.1:${port}`;
  try {
    const load = new Load(() => apiUrl, receiver.url, `${runId}s`, TENANTS.map((t) => t.key), sims.map((s) => s.id));
    let done = false;
    const watching = load.watch(() => done);
    const fuzzed = fuzz(() => apiUrl, TENANTS[0]!.key, () => done);
    const submits: Array<Promise<void>> = [];
    let failover: Promise<FaultRecord> | undefined;
    for (let i = 0; i < tasks; i++) {
      submits.push(load.submitOne());
      if (i === Math.floor(tasks / 3)) {
        const at = Date.now();
        failover = set.failover().then((): FaultRecord => ({ kind: 'sentinel-failover', target: 'primary → replica', startedAt: at, endedAt: Date.now(), storeBackAt: Date.now() }));
      }
      await sleep(1000 / perSecond);
    }
    await Promise.all(submits);
    const fault = await failover!;
    await drain(load, receiver.received, drainMs, Math.max(20_000, 2 * WORKERS.lockDurationMs));
    done = true;
    await watching;
    const unexpectedExits = procs.filter((p) => p.proc.child.exitCode !== null || p.proc.child.signalCode !== null).map((p) => p.proc.label);
    const figures = await measure(load, sims, receiver.received, { redisUrl: await primaryUrl(), keyPrefix, tenants: TENANTS.map((t) => t.id) }, [fault], WORKERS.lockDurationMs);
    return { figures, fuzz: await fuzzed, ms: Date.now() - started, unexpectedExits };
  } finally {
    await Promise.allSettled(procs.map((p) => p.proc.stop()));
    await Promise.allSettled([...sims.map((s) => s.relay.close()), ...sims.map((s) => s.sim.close()), receiver.close()]);
    await set.close();
  }
}
