/**
 * 3. Pipeline: N tasks (5,000; 500 with --quick) submitted at once (100 in parallel) against an instant simulator
 * (jobs end 50 ms after submit, so each task needs its submit and at least one poll) → time until every task is
 * final, tasks/s, Redis commands per task (INFO commandstats before/after, minus the bench's own completion checks),
 * upstream submits and polls per task (simulator counters), CPU per task of the API and worker processes.
 */
import { cpuMeter } from '../lib/proc.js';
import { commandDelta, commandStats, traffic } from '../lib/redis.js';
import { below, type ScenarioResult } from '../lib/report.js';
import { newTasks, waitAllFinal, type Ctx, type Stage } from '../lib/stage.js';
import { fmt, fmtInt, mapLimit, mergeCounts, percentile, summarize } from '../lib/stats.js';

export async function runPipeline(ctx: Ctx, stage: Stage): Promise<ScenarioResult> {
  const started = Date.now();
  const n = ctx.quick ? 500 : 5000;
  const api = stage.procs.find((p) => p.role === 'api')!;
  const worker = stage.procs.find((p) => p.role === 'worker')!;
  const client = stage.clients.find((c) => c.url === api.url)!;
  await ctx.sim.reset();
  await ctx.sim.behaviour({ jobDurationMs: 50, jitterMs: 0 });

  const simBefore = await ctx.sim.stats();
  const before = await commandStats(ctx.redis);
  const cpu = cpuMeter([api.proc.pid, worker.proc.pid]);
  const t0 = Date.now();
  const answers = await mapLimit(Array.from({ length: n }), 100, () => client.submit());
  const submittedAt = Date.now();
  const done = await waitAllFinal(ctx, stage, 180_000, 50);
  const [a, w] = cpu();
  const after = await commandStats(ctx.redis);
  const simAfter = await ctx.sim.stats();
  const delta = commandDelta(before, after, { zcard: done.checks });

  const verified = await newTasks(ctx, stage);
  const accepted = answers.filter((x) => x.status === 202).length;
  const finished = verified.rows.map((r) => r.finishedAt ?? Infinity).sort((x, y) => x - y);
  const lastFinish = finished[finished.length - 1]!;
  const makespanS = (lastFinish - t0) / 1000;
  const rate = n / makespanS;
  // Sustained rate: completions between the 10th and 90th percentile finish times (leaves out the ramp and the tail).
  const t10 = percentile(finished, 10);
  const t90 = percentile(finished, 90);
  const sustained = (0.8 * n) / ((t90 - t10) / 1000);
  const e2e = summarize(verified.rows.filter((r) => r.finishedAt).map((r) => r.finishedAt! - r.createdAt));
  const perTask = delta.total / n;
  const polls = (simAfter.polls - simBefore.polls) / n;
  const submits = (simAfter.submits - simBefore.submits) / n;
  ctx.log(`  ${n} tasks: submitted in ${((submittedAt - t0) / 1000).toFixed(2)} s, all final after ${makespanS.toFixed(2)} s → ${fmtInt(rate)} tasks/s (sustained ${fmtInt(sustained)}), ${fmt(perTask, 1)} Redis cmds/task, ${fmt(polls)} polls/task`);

  // Calibration (not timed): what a task sends to Redis, counted with MONITOR over a small batch run end to end.
  const kc = ctx.quick ? 50 : 200;
  const wire = await traffic(ctx.redis, async () => {
    await mapLimit(Array.from({ length: kc }), 10, () => client.submit());
    await waitAllFinal(ctx, stage, 60_000, 50);
  });
  const calib = await newTasks(ctx, stage);
  const sentRows = wire.byCommand.slice(0, 12).map(([c, k]) => [c, fmt(k / kc, 2)]);
  const cmdRows = delta.byCommand.slice(0, 12).map(([c, k], i) => [c, fmt(k / n, 2), ...(sentRows[i] ?? ['', ''])]);
  const notes = [
    `The first poll of every task comes \`polling.initialDelayMs\` (${fmtInt(stage.effective.polling.initialDelayMs)} ms here) after its submit, so the last task cannot end sooner than that after the last submit; the sustained completion rate (10th→90th percentile of finish times) was ${fmtInt(sustained)} tasks/s.`,
    `CPU per task: API ${fmt(a!.cpuMs / n, 2)} ms, worker ${fmt(w!.cpuMs / n, 2)} ms (over the ${makespanS.toFixed(1)} s: API ${fmtInt(a!.corePct)} %, worker ${fmtInt(w!.corePct)} % of one core).`,
    'Redis commands include those run inside Lua scripts (each counts) and the workers\' background BullMQ commands during the run; the bench\'s own completion checks (ZCARD) and INFO are subtracted.',
  ];
  if (rate < 500) notes.push(`Below 500 tasks/s: the worker process was at ${fmtInt(w!.corePct)} % of one core and the API at ${fmtInt(a!.corePct)} %: each task costs ${fmt(perTask, 0)} Redis commands and ${fmt((a!.cpuMs + w!.cpuMs) / n, 2)} ms of gateway CPU, on 2 cores shared with Redis and the simulator.`);
  return {
    id: 'S3', title: `Pipeline: ${n.toLocaleString('en-US')} tasks through an instant simulator`,
    method: `${n} POST /v1/tasks, 100 in flight at once, to one \`ROLE=api\` process; one \`ROLE=worker\` process (\`workers.concurrency\` ${stage.effective.workers.concurrency}) submits them to the Legnext simulator (jobs end 50 ms after submit) and polls them. Poll budget lifted (pollsPerSecond 100,000) so it does not bound this scenario. Done = the gateway's \`active\` set is empty (checked every 50 ms on a separate connection); end time = the latest \`finishedAt\`.`,
    tables: [
      {
        head: ['tasks', 'accepted (202)', 'submit phase (s)', 'all final after (s)', 'tasks/s', 'sustained tasks/s', 'submit→final p50 / p99 (ms)', 'Redis cmds/task', 'upstream submits/task', 'upstream polls/task'],
        rows: [[n, accepted, fmt((submittedAt - t0) / 1000), fmt(makespanS), `**${fmtInt(rate)}**`, fmtInt(sustained), `${fmtInt(e2e.p50)} / ${fmtInt(e2e.p99)}`, fmt(perTask, 1), fmt(submits), fmt(polls)]],
      },
      {
        caption: `Redis commands per task, top 12 — left: all executed (INFO commandstats, incl. inside Lua); right: sent by the gateway's processes (MONITOR over ${kc} more tasks: ${fmt(wire.sent / kc, 1)} sent + ${fmt(wire.inLua / kc, 1)} run by Lua scripts per task):`,
        head: ['command (all)', 'per task', 'command (sent)', 'per task'], rows: cmdRows,
      },
    ],
    goals: [{ what: 'Pipeline throughput', target: '≥ 500 tasks/s', measured: `${fmtInt(rate)} tasks/s`, ok: rate >= 500, miss: rate >= 500 ? undefined : below(rate, 500) }],
    notes,
    verified: { created: verified.created + calib.created, statuses: mergeCounts(verified.statuses, calib.statuses), allFinal: verified.allFinal && calib.allFinal && done.ok },
    raw: { n, accepted, wire: { ...wire, tasks: kc }, t0, submitPhaseMs: submittedAt - t0, makespanMs: lastFinish - t0, rate, sustained, e2e, redis: delta, pollsPerTask: polls, submitsPerTask: submits, cpu: { api: a, worker: w } },
    seconds: (Date.now() - started) / 1000,
    code: [...stage.codes],
  };
}
