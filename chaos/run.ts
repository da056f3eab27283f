/**
 * `npm run chaos [-- --quick]`: the chaos suite. Runs the main phase (AOF Redis; worker, API and Redis kills,
 * provider outages) and the Sentinel phase, writes RELIABILITY.md (full mode) or chaos/results/quick.md (quick mode),
 * prints a summary, and exits 1 on any loss, revert, leaked slot, or missing or late final webhook.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { codeVersion } from '../bench/lib/gateway.js';
import { ROOT, stopAll } from '../bench/lib/proc.js';
import type { FaultKind } from './faults.js';
import { failures } from './measure.js';
import { mainPhase, type PhasePlan } from './phase.js';
import { render } from './report.js';
import { sentinelPhase } from './sentinel.js';

const quick = process.argv.includes('--quick');
const mode = quick ? 'quick' : 'full';
const P = ['legnext', 'apimart', 'aggregator'];

const QUICK: Array<[FaultKind, string]> = [
  ['worker-kill', ''], ['api-kill', ''], ['redis-kill', ''],
  ['provider-500', P[0]!], ['provider-hang', P[1]!], ['provider-refused', P[2]!],
];
const FULL: Array<[FaultKind, string]> = [
  ['worker-kill', ''], ['provider-500', P[0]!], ['api-kill', ''], ['worker-kill', ''], ['provider-hang', P[1]!],
  ['redis-kill', ''], ['provider-refused', P[2]!], ['worker-kill', ''], ['provider-500', P[1]!], ['api-kill', ''],
  ['provider-hang', P[2]!], ['worker-kill', ''], ['redis-kill', ''], ['provider-refused', P[0]!],
];
const plan: PhasePlan = quick
  ? { perSecond: 2, jobMs: 1500, gapMs: 6000, outageMs: 5000, drainMs: 90_000, schedule: QUICK }
  : { perSecond: 3, jobMs: 1500, gapMs: 25_000, outageMs: 12_000, drainMs: 300_000, schedule: FULL };
const sentinelTasks = quick ? 45 : 150;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const startedAt = new Date();
  const runId = Date.now().toString(36);
  const results = join(ROOT, 'chaos', 'results');
  const logDir = join(results, `logs-${mode}`);
  mkdirSync(logDir, { recursive: true });
  say(`chaos (${mode}): main phase, ${plan.schedule.length} faults; logs in ${logDir}`);
  const main = await mainPhase(logDir, runId, plan, say);
  say(`chaos: Sentinel phase, ${sentinelTasks} tasks across a failover`);
  const sentinel = await sentinelPhase(logDir, runId, sentinelTasks, plan.perSecond, plan.jobMs, plan.drainMs);
  const info = { mode, code: codeVersion(), startedAt, ms: Date.now() - startedAt.getTime(), loadAvg: loadavg(), perSecond: plan.perSecond, jobMs: plan.jobMs } as const;
  const out = quick ? join(results, 'quick.md') : join(ROOT, 'RELIABILITY.md');
  writeFileSync(out, render(info, main, sentinel));
  for (const [name, p] of [['main', main], ['Sentinel', sentinel]] as const) {
    const f = p.figures;
    say(`${name}: ${f.accepted} accepted, ${f.final} final, ${f.lost.length} lost, ${f.reverted.length} reverted, ` +
      `${f.leaked.tasks.length} holding slots, webhooks ${f.webhooks.missing.length} missing / ${f.webhooks.late.length} late ` +
      `(p99 ${f.webhooks.latenessMs.p99} ms), ${f.duplicates.extraJobs} extra upstream jobs (${f.duplicates.unexplained.length} unexplained), ` +
      `fuzz 5xx ${p.fuzz.fiveHundreds.length}`);
  }
  const failed = [...failures(main.figures).map((x) => `main: ${x}`), ...failures(sentinel.figures).map((x) => `Sentinel: ${x}`)];
  say(`chaos (${mode}) ${failed.length ? `FAILED: ${failed.join('; ')}` : 'passed'} in ${Math.round(info.ms / 1000)} s; report: ${out}`);
  return failed.length ? 1 : 0;
}

main().then(
  async (code) => {
    await stopAll();
    process.exit(code);
  },
  async (err: unknown) => {
    process.stderr.write(`chaos: ${(err as Error).stack ?? String(err)}\n`);
    await stopAll();
    process.exit(2);
  },
);
