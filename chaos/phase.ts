/**
 * The main phase: one cluster on a Redis with AOF, a steady stream of tasks, the fuzz alongside, and the fault
 * schedule played one after another with quiet gaps between; then drain and measure.
 */
import { sleep } from '../bench/lib/proc.js';
import { startCluster, TENANTS, WORKERS } from './cluster.js';
import { drain } from './drain.js';
import { inject, type FaultKind, type FaultRecord } from './faults.js';
import { fuzz } from './fuzz.js';
import { Load } from './load.js';
import { measure } from './measure.js';
import type { PhaseResult } from './sentinel.js';

export interface PhasePlan {
  perSecond: number;
  jobMs: number;
  gapMs: number;
  outageMs: number;
  drainMs: number;
  schedule: Array<[FaultKind, string]>;
}

export async function mainPhase(logDir: string, runId: string, plan: PhasePlan, say: (line: string) => void): Promise<PhaseResult> {
  const started = Date.now();
  const c = await startCluster(logDir, plan.jobMs);
  try {
    const load = new Load(() => c.apiUrl, c.receiver.url, runId, TENANTS.map((t) => t.key), c.sims.map((s) => s.id));
    let chaos = true;
    let done = false;
    const submitting = load.run(plan.perSecond);
    const watching = load.watch(() => done);
    const fuzzed = fuzz(() => c.apiUrl, TENANTS[0]!.key, () => !chaos);
    await sleep(plan.gapMs);
    const faults: FaultRecord[] = [];
    for (const [kind, target] of plan.schedule) {
      const f = await inject(c, kind, target, plan.outageMs);
      faults.push(f);
      say(`  ${kind} ${f.target}: ${Math.round((f.endedAt - f.startedAt) / 100) / 10} s; ${load.tasks.size} accepted, ${load.unfinished().length} open`);
      await sleep(plan.gapMs);
    }
    chaos = false;
    load.stop();
    await submitting;
    await drain(load, c.receiver.received, plan.drainMs, Math.max(20_000, 2 * WORKERS.lockDurationMs));
    done = true;
    await watching;
    const procs = [c.api, ...c.workers];
    const unexpectedExits = procs.filter((p) => p.proc.child.exitCode !== null || p.proc.child.signalCode !== null).map((p) => p.proc.label);
    const figures = await measure(load, c.sims, c.receiver.received, { redisUrl: c.redis.url, keyPrefix: c.keyPrefix, tenants: TENANTS.map((t) => t.id) }, faults, WORKERS.lockDurationMs);
    return { figures, fuzz: await fuzzed, ms: Date.now() - started, unexpectedExits };
  } finally {
    await c.close();
  }
}
