/**
 * The faults a chaos run injects into a running cluster. Each returns when the fault is over, with the times that
 * recovery is measured from: `endedAt` (the fault lifted: a process restarted, a provider serving again) and, for
 * faults that take the API away, how long after that the API answered /readyz again.
 */
import { sleep, waitFor } from '../bench/lib/proc.js';
import type { Cluster } from './cluster.js';

export type FaultKind = 'worker-kill' | 'api-kill' | 'redis-kill' | 'provider-500' | 'provider-hang' | 'provider-refused' | 'sentinel-failover';

export interface FaultRecord {
  kind: FaultKind;
  /** The provider of an outage, the process killed otherwise. */
  target: string;
  startedAt: number;
  endedAt: number;
  /** ms from `endedAt` to the API answering /readyz again (API and Redis kills). */
  apiBackMs?: number;
  /** When Redis answered again (Redis kill, failover): until then no process can record or send anything. */
  storeBackAt?: number;
}

async function apiBack(c: Cluster, from: number): Promise<number> {
  await waitFor('API /readyz', async () => (await fetch(`${c.apiUrl}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200, 120_000, 100);
  return Date.now() - from;
}

/** Injects one fault; `outageMs`: how long a provider outage or a Redis absence lasts. */
export async function inject(c: Cluster, kind: FaultKind, target: string, outageMs: number): Promise<FaultRecord> {
  const startedAt = Date.now();
  const done = (endedAt: number, extra: Partial<FaultRecord> = {}): FaultRecord => ({ kind, target, startedAt, endedAt, ...extra });
  switch (kind) {
    case 'worker-kill': {
      const victim = c.workers.shift()!;
      victim.proc.child.kill('SIGKILL');
      await victim.proc.exited;
      await sleep(1000);
      const endedAt = Date.now();
      const w = await c.startWorker();
      return { ...done(endedAt), target: `${victim.proc.label} → ${w.proc.label}` };
    }
    case 'api-kill': {
      const victim = c.api;
      victim.proc.child.kill('SIGKILL');
      await victim.proc.exited;
      await sleep(1000);
      const endedAt = Date.now();
      await c.restartApi();
      return { ...done(endedAt, { apiBackMs: Date.now() - endedAt }), target: `${victim.proc.label} → ${c.api.proc.label}` };
    }
    case 'redis-kill': {
      await c.redis.kill();
      await sleep(outageMs);
      const endedAt = Date.now();
      await c.redis.start();
      const storeBackAt = Date.now();
      return done(endedAt, { storeBackAt, apiBackMs: await apiBack(c, endedAt) });
    }
    case 'sentinel-failover':
      throw new Error('the Sentinel phase runs its own failover (sentinel.ts)');
    default: {
      const entry = c.sims.find((s) => s.id === target)!;
      if (kind === 'provider-refused') await entry.relay.refuse();
      else entry.sim.state.faults.push(kind === 'provider-500' ? { on: 'any', status: 500, times: 1e9 } : { on: 'any', hang: true, times: 1e9 });
      await sleep(outageMs);
      if (kind === 'provider-refused') await entry.relay.accept();
      else entry.sim.state.faults = [];
      return done(Date.now());
    }
  }
}
