/**
 * 2. Added latency at a steady rate: POST /v1/tasks at 200, 500 and 1000 requests/s (constant arrival, open loop,
 * undici Pool) against the gateway (ROLE=api + ROLE=worker), next to the same generator POSTing the simulator's
 * Legnext diffusion endpoint directly at the same rate. Added latency = gateway − direct, per percentile.
 * Each rate runs the gateway twice: with its worker paused (SIGSTOP: the API path alone; tasks wait queued) and with
 * the worker running (submitting and polling while the load runs) — the goal is judged on the second. Between
 * runs every task is finished. CPU of the API, worker and Redis processes, and a Redis PING probe, show what waits.
 * At 500 req/s a third run swaps in a worker started with `workers.niceness: 10` (README › Operations: workers that
 * share cores with the API), then the default worker comes back for the other rates and scenarios.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTH, IMAGINE, type GatewayProc } from '../lib/gateway.js';
import { openLoop, type OpenLoopResult } from '../lib/load.js';
import { cpuMeter, LOGS } from '../lib/proc.js';
import { pingProbe } from '../lib/redis.js';
import { above, type ScenarioResult } from '../lib/report.js';
import { addProcess, newTasks, stopProcess, waitAllFinal, type Ctx, type Stage } from '../lib/stage.js';
import { fmt, fmtInt, summarize, type Summary } from '../lib/stats.js';
import { SIM_KEY } from '../lib/upstream.js';

const DIRECT_BODY = JSON.stringify({ text: 'a lighthouse on a cliff at dawn --ar 16:9' });
/** The niceness README recommends for workers that share cores with API processes. */
const NICENESS = 10;

interface Variant { load: OpenLoopResult; cpu: { api: number; worker: number; redis: number }; ping: Summary; drainMs: number }

export async function runSteady(ctx: Ctx, stage: Stage): Promise<ScenarioResult> {
  const started = Date.now();
  const durationS = ctx.quick ? 0.5 : 10;
  const api = stage.procs.find((p) => p.role === 'api')!;
  let worker = stage.procs.find((p) => p.role === 'worker')!;
  // The same deployment, the worker at a lower priority: the stage's config plus workers.niceness.
  const nicePath = join(LOGS, `config-${stage.name}-niceness.json`);
  writeFileSync(nicePath, JSON.stringify({ ...stage.config, workers: { ...(stage.config.workers as object | undefined), niceness: NICENESS } }, null, 2));
  const swapWorker = async (label: string, configPath?: string): Promise<GatewayProc> => {
    await stopProcess(stage, worker);
    worker = (await addProcess(ctx, stage, label, 'worker', { configPath })).gw;
    return worker;
  };
  const rates = [200, 500, 1000];
  let allDrained = true;
  const direct = (rate: number, s = durationS) => openLoop({
    origin: ctx.sim.url, path: '/api/v1/diffusion', headers: { 'x-api-key': SIM_KEY, 'content-type': 'application/json' }, body: DIRECT_BODY, rate, durationS: s, okStatus: 200,
  });
  const gateway = async (rate: number, paused: boolean, s = durationS): Promise<Variant> => {
    const cpu = cpuMeter([api.proc.pid, worker.proc.pid, ctx.redisPid]);
    const probe = pingProbe();
    if (paused) worker.proc.child.kill('SIGSTOP');
    let load: OpenLoopResult;
    try {
      load = await openLoop({ origin: api.url!, path: '/v1/tasks', headers: AUTH, body: IMAGINE, rate, durationS: s, okStatus: 202 });
    } finally {
      if (paused) worker.proc.child.kill('SIGCONT');
    }
    const [a, w, r] = cpu();
    const ping = summarize(await probe.stop());
    const t = Date.now();
    const drain = await waitAllFinal(ctx, stage, 120_000, 100);
    allDrained &&= drain.ok;
    return { load, cpu: { api: a!.corePct, worker: w!.corePct, redis: r!.corePct }, ping, drainMs: drain.at - t };
  };

  // Warm-up at the lowest rate (discarded): the API process was just started, and JIT-cold code would count as latency.
  await ctx.sim.reset();
  await ctx.sim.behaviour({ jobDurationMs: 50, jitterMs: 0 });
  const warmS = ctx.quick ? 0.5 : 3;
  await direct(200, warmS);
  await gateway(200, false, warmS);

  const out: Array<{ rate: number; direct: OpenLoopResult; alone?: Variant; full: Variant }> = [];
  let niced: Variant | undefined;
  for (const rate of rates) {
    await ctx.sim.reset();
    const d = await direct(rate);
    // --quick measures the API alone at the goal's rate only.
    const alone = !ctx.quick || rate === 500 ? await gateway(rate, true) : undefined;
    const full = await gateway(rate, false);
    out.push({ rate, direct: d, alone, full });
    const l = (v?: OpenLoopResult) => (v ? `p50 ${fmt(v.latency.p50)} p99 ${fmt(v.latency.p99)}` : '—');
    ctx.log(`  ${rate}/s: direct ${l(d)} | API alone ${l(alone?.load)} | with worker ${l(full.load)} ms (CPU api/worker/redis ${full.cpu.api}/${full.cpu.worker}/${full.cpu.redis} %, ping p99 ${fmt(full.ping.p99)} ms)`);
    // --quick (a smoke run of under a minute) skips the swap: it measures the default priority only.
    if (rate === 500 && !ctx.quick) {
      await swapWorker('gw-worker-niceness', nicePath);
      await ctx.sim.reset();
      niced = await gateway(rate, false);
      ctx.log(`  ${rate}/s: with the worker at niceness ${NICENESS} ${l(niced.load)} ms (CPU api/worker/redis ${niced.cpu.api}/${niced.cpu.worker}/${niced.cpu.redis} %, ping p99 ${fmt(niced.ping.p99)} ms)`);
      await swapWorker('gw-worker');
    }
  }
  const verified = await newTasks(ctx, stage);
  const at500 = out.find((o) => o.rate === 500)!;
  const added500 = at500.full.load.latency.p50 - at500.direct.latency.p50;
  const alone500 = at500.alone!.load.latency.p50 - at500.direct.latency.p50;
  const niced500 = niced ? niced.load.latency.p50 - at500.direct.latency.p50 : undefined;
  /** What the goal is judged on: the recommended co-located setting when it was measured. */
  const judged = niced500 ?? added500;
  const notes = [
    `The generator's own lateness (scheduled → sent) stayed at p99 ${out.map((o) => `${fmt(Math.max(o.direct.lag.p99, o.full.load.lag.p99))} ms`).join(' / ')} for ${rates.join(' / ')} req/s, so the arrival rate held (achieved: ${out.map((o) => fmtInt(o.full.load.achievedRate)).join(' / ')} req/s).`,
    'Latency is measured from the moment a request is handed to undici until its whole answer is read; the direct run creates a job in the simulator exactly like the gateway\'s worker does. "Redis PING" is the round trip of a PING sent every 10 ms on a separate connection during the run.',
  ];
  if (niced500 !== undefined) notes.push(`The goal is judged with the worker at \`workers.niceness\` ${NICENESS}, the setting README recommends where workers share cores with API processes (as every process does here): ${fmt(niced500)} ms at p50. With the default (0) the worker competes with the API for the cores on equal terms: ${fmt(added500)} ms. Niceness changes nothing for a worker alone on its cores.`);
  else notes.push('Quick run: the worker ran at its default priority only (the full run also measures it at `workers.niceness` 10, and judges the goal on that).');
  if (judged >= 1) {
    notes.push(`At 500 req/s the API path alone adds ${fmt(alone500)} ms at p50; with the worker submitting and polling on the same 2 cores it adds ${fmt(added500)} ms. CPU meanwhile: API ${fmtInt(at500.full.cpu.api)} %, worker ${fmtInt(at500.full.cpu.worker)} %, Redis ${fmtInt(at500.full.cpu.redis)} % of a core; a PING to Redis took p99 ${fmt(at500.full.ping.p99)} ms (${fmt(at500.alone!.ping.p99)} ms with the worker paused). A submit is several Redis round trips (S1: commands sent per POST), and every hop waits for a core when the worker, Redis, the simulator and the generator are all runnable — latency grows with the number of hops long before any one process is at 100 %.`);
  }
  const cell = (v?: OpenLoopResult) => (v ? `${fmt(v.latency.p50)} / ${fmt(v.latency.p99)}` : '—');
  return {
    id: 'S2', title: 'Added latency on submit at a constant arrival rate',
    method: `Open-loop generator in the bench process (undici Pool, 128 connections — a request that finds them all busy waits in the client's queue, and that wait counts; a 1 ms timer sends every request that is due; ${durationS} s per rate and target, after a discarded ${warmS} s warm-up at 200 req/s). Direct: POST /api/v1/diffusion on the Legnext simulator (no added latency, jobs of 50 ms). Gateway: POST /v1/tasks on a \`ROLE=api\` process, first with the \`ROLE=worker\` process paused (SIGSTOP: the API path alone), then with it running (submitting each task to the same simulator and polling it while the load runs). Added = gateway − direct at the same percentile and rate.`,
    tables: [{
      head: ['rate (req/s)', 'direct p50 / p99 ms', 'API alone p50 / p99 ms', 'added, API alone p50', 'with worker p50 / p99 ms', 'added, with worker p50 / p99', 'CPU % API / worker / Redis (with worker)', 'Redis PING p99 ms, alone / with worker', 'ok / sent'],
      rows: out.map((o) => [
        o.rate, cell(o.direct), cell(o.alone?.load), o.alone ? fmt(o.alone.load.latency.p50 - o.direct.latency.p50) : '—', cell(o.full.load),
        `**${fmt(o.full.load.latency.p50 - o.direct.latency.p50)}** / ${fmt(o.full.load.latency.p99 - o.direct.latency.p99)}`,
        `${fmtInt(o.full.cpu.api)} / ${fmtInt(o.full.cpu.worker)} / ${fmtInt(o.full.cpu.redis)}`, `${o.alone ? fmt(o.alone.ping.p99) : '—'} / ${fmt(o.full.ping.p99)}`,
        `${(o.alone?.load.ok ?? 0) + o.full.load.ok} / ${(o.alone?.load.sent ?? 0) + o.full.load.sent}`,
      ]),
    }, ...(niced ? [{
      caption: `At 500 req/s, the worker started with \`workers.niceness: ${NICENESS}\` (same config otherwise; the direct figure is the one above):`,
      head: ['rate (req/s)', 'direct p50 / p99 ms', 'with worker at niceness 10, p50 / p99 ms', 'added p50 / p99', 'CPU % API / worker / Redis', 'Redis PING p99 ms', 'ok / sent'],
      rows: [[
        500, cell(at500.direct), cell(niced.load), `**${fmt(niced500)}** / ${fmt(niced.load.latency.p99 - at500.direct.latency.p99)}`,
        `${fmtInt(niced.cpu.api)} / ${fmtInt(niced.cpu.worker)} / ${fmtInt(niced.cpu.redis)}`, fmt(niced.ping.p99), `${niced.load.ok} / ${niced.load.sent}`,
      ]],
    }] : [])],
    goals: [
      niced500 !== undefined
        ? { what: `Added p50 latency on submit at 500 req/s (workers running, at workers.niceness ${NICENESS})`, target: '< 1 ms', measured: `${fmt(niced500)} ms (at niceness 0: ${fmt(added500)} ms; API alone ${fmt(alone500)} ms)`, ok: niced500 < 1, miss: niced500 < 1 ? undefined : above(niced500, 1, 'ms') }
        : { what: 'Added p50 latency on submit at 500 req/s (workers running, default priority)', target: '< 1 ms', measured: `${fmt(added500)} ms (API alone ${fmt(alone500)} ms)`, ok: added500 < 1, miss: added500 < 1 ? undefined : above(added500, 1, 'ms') },
    ],
    notes,
    verified: { created: verified.created, statuses: verified.statuses, allFinal: verified.allFinal && allDrained },
    raw: {
      rates: out.map((o) => ({ rate: o.rate, direct: { ...o.direct, ids: undefined }, alone: o.alone && { ...o.alone, load: { ...o.alone.load, ids: undefined } }, full: { ...o.full, load: { ...o.full.load, ids: undefined } } })),
      niceness: niced ? { value: NICENESS, rate: 500, ...niced, load: { ...niced.load, ids: undefined } } : null,
    },
    seconds: (Date.now() - started) / 1000,
    code: [...stage.codes],
  };
}
