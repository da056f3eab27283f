/**
 * 5. Scale: N tasks (10,000; 400 with --quick) held in flight by a simulator whose jobs last an hour, on two
 * `ROLE=all` gateway processes sharing one poll budget (providers[].pollsPerSecond = 200). Measured while they wait:
 * Redis memory per in-flight task (used_memory delta; per key class with MEMORY USAGE), CPU of each process
 * (/proc), event-loop delay (each process's /metrics, prom-client's monitor, reset by the first scrape), and upstream
 * reads per second (simulator timestamps) against the budget. Then every job is finished upstream and the tasks
 * must all end `succeeded` (polling only, so the drain itself runs at the budget).
 */
import { HAS_POLL_BUDGET, metricValue, type Client } from '../lib/gateway.js';
import { cpuMeter, sleep, waitFor } from '../lib/proc.js';
import { keyMemory, memoryByClass, usedMemory } from '../lib/redis.js';
import { above, type Goal, type ScenarioResult } from '../lib/report.js';
import { addProcess, createStage, newTasks, stopStage, waitAllFinal, type Ctx } from '../lib/stage.js';
import { fmt, fmtInt, mapLimit, maxInWindow, perSecond, summarize } from '../lib/stats.js';

const BUDGET = 200;

const eld = (text: string) => ({
  p50: metricValue(text, 'mjg_nodejs_eventloop_lag_p50_seconds') * 1000,
  p99: metricValue(text, 'mjg_nodejs_eventloop_lag_p99_seconds') * 1000,
  max: metricValue(text, 'mjg_nodejs_eventloop_lag_max_seconds') * 1000,
  mean: metricValue(text, 'mjg_nodejs_eventloop_lag_mean_seconds') * 1000,
});

export async function runScale(ctx: Ctx): Promise<ScenarioResult> {
  const started = Date.now();
  const n = ctx.quick ? 400 : 10_000;
  const windowS = ctx.quick ? 3 : 30;
  await ctx.sim.reset();
  await ctx.sim.behaviour({ jobDurationMs: 3_600_000, jitterMs: 0 });
  const stage = createStage(ctx, { name: 'scale', pollsPerSecond: BUDGET, maxConcurrency: 10_000 });
  try {
    const [x1, x2] = await Promise.all([addProcess(ctx, stage, 'gw-scale-1', 'all'), addProcess(ctx, stage, 'gw-scale-2', 'all')]);
    const clients = [x1.client!, x2.client!];
    const procs = [x1.gw, x2.gw];
    const mem0 = await usedMemory(ctx.redis);
    const t0 = Date.now();
    await mapLimit(Array.from({ length: n }), 64, (_, i) => clients[i % 2]!.submit());
    const submitS = (Date.now() - t0) / 1000;
    await waitFor('every job accepted upstream', async () => (await ctx.sim.stats()).jobs >= n, 120_000, 200);
    const heldAt = Date.now();
    await sleep(ctx.quick ? 300 : 1000);
    const mem1 = await usedMemory(ctx.redis);
    const rl = await keyMemory(ctx.redis, `${stage.prefix}:rlw:bench`);
    ctx.log(`  ${n} in flight (${((heldAt - t0) / 1000).toFixed(1)} s); Redis +${fmtInt((mem1 - mem0) / n)} B/task (${fmtInt((mem1 - mem0 - rl) / n)} without the rate-limit window)`);

    await Promise.all(clients.map((c: Client) => c.metrics())); // resets the event-loop histograms
    const cpu = cpuMeter(procs.map((p) => p.proc.pid));
    const w0 = Date.now();
    await sleep(windowS * 1000);
    const w1 = Date.now();
    const cpuUse = cpu();
    const loops = (await Promise.all(clients.map((c) => c.metrics()))).map(eld);
    const windowPolls = await ctx.sim.polls(w0, w1);
    const classes = await memoryByClass(ctx.redis, stage.prefix);
    ctx.log(`  window ${windowS} s: ${fmt(windowPolls.length / ((w1 - w0) / 1000), 1)} polls/s; CPU ${cpuUse.map((c) => `${c.corePct} %`).join(', ')}; loop p99 ${loops.map((l) => fmt(l.p99, 1)).join(', ')} ms`);

    const f0 = Date.now();
    await ctx.sim.finishAll();
    const drain = await waitAllFinal(ctx, stage, Math.round((n / BUDGET) * 2000) + 60_000, 250);
    const drainS = (drain.at - f0) / 1000;
    const allPolls = (await ctx.sim.polls(t0, drain.at + 1)).sort((a, b) => a - b);
    const whole = maxInWindow(allPolls, 1000);
    const steady = maxInWindow(windowPolls.sort((a, b) => a - b), 1000);
    const drainPolls = allPolls.filter((t) => t >= f0);
    const drained = maxInWindow(drainPolls, 1000);
    const max10s = maxInWindow(allPolls, 10_000).max / 10;
    const phase = (t: number) => (t < heldAt ? 'while submitting' : t < f0 ? 'while held' : 'while draining');
    const wholeAt = `${phase(whole.at)}, +${fmt((whole.at - t0) / 1000, 1)} s`;
    const alignedMax = Math.max(0, ...perSecond(allPolls, t0, drain.at));
    const verified = await newTasks(ctx, stage);
    ctx.log(`  finished upstream → all final after ${drainS.toFixed(1)} s; polls max ${whole.max} in any 1 s (${wholeAt}), ${fmt(max10s, 1)}/s over any 10 s`);

    const perTask = (mem1 - mem0) / n;
    const perTaskNoRl = (mem1 - mem0 - rl) / n;
    const windowRate = windowPolls.length / ((w1 - w0) / 1000);
    const goals: Goal[] = [
      { what: 'Redis per in-flight task', target: '≤ 2 KB (2,048 B)', measured: `${fmtInt(perTaskNoRl)} B`, ok: perTaskNoRl <= 2048, miss: perTaskNoRl <= 2048 ? undefined : above(perTaskNoRl, 2048, 'B') },
      HAS_POLL_BUDGET
        ? { what: 'Upstream poll rate (any 1 s, whole scenario)', target: `≤ ${BUDGET}/s budget`, measured: `max ${whole.max} in a sliding 1 s (${wholeAt}); ${alignedMax} in a whole second`, ok: whole.max <= BUDGET, miss: whole.max <= BUDGET ? undefined : above(whole.max, BUDGET, 'polls/s') }
        : { what: 'Upstream poll rate', target: `≤ ${BUDGET}/s budget`, measured: 'no pollsPerSecond key in this checkout', ok: null },
    ];
    const memRows = classes.slice(0, 10).map((c) => [`\`${c.cls}\``, fmtInt(c.keys), fmtInt(c.bytes / n)]);
    const sumClasses = classes.reduce((s, c) => s + c.bytes, 0);
    const notes = [
      `Memory is \`used_memory\` after − before the ${n.toLocaleString('en-US')} submits; the tenant's rate-limit state (\`rlw:bench\`, ${fmtInt(rl)} B in all — per-tenant, not per task, whatever the number of requests) is reported separately and left out of the goal. The key classes sum to ${fmtInt(sumClasses / n)} B per task (MEMORY USAGE, excluding Redis's own overhead).`,
      'Event-loop delay comes from prom-client\'s monitorEventLoopDelay (10 ms sampling): on Node 20 an idle loop reads ≈ 10 ms, so the delay is the value minus 10 ms.',
      `The drain after finishing every job upstream took ${fmt(drainS, 1)} s: ${n.toLocaleString('en-US')} tasks need one read each, and polling-only reads are held to the budget (${BUDGET}/s ⇒ ≥ ${fmt(n / BUDGET, 1)} s).`,
    ];
    if (perTaskNoRl > 2048) {
      const what: Record<string, string> = {
        'task:*': 'the task record: one string — a short header, the private state (defaults left out) and the public JSON', 'polls:legnext:due': 'the read schedule: one sorted-set member per task',
        'bull:submissions:*': 'submission jobs, BullMQ hashes', 'resv-open': 'open budget reservations (one sorted-set member per task)', 'upd:legnext:*': 'the upstream-id → task map (a hash per provider and day)',
      };
      const big = classes.filter((c) => c.bytes / n >= 50).map((c) => `\`${c.cls}\` ${fmtInt(c.bytes / n)} B${what[c.cls] ? ` (${what[c.cls]})` : ''}`);
      notes.push(`Where the bytes are, per task (key classes of at least 50 B per task): ${big.join('; ')}. The rest of \`used_memory\` is Redis's own per-key overhead.`);
    }
    const perSec = summarize(perSecond(windowPolls, w0, w0 + Math.floor((w1 - w0) / 1000) * 1000));
    if (HAS_POLL_BUDGET) {
      notes.push(`Reads per second while held (whole seconds): p50 ${perSec.p50}, min ${perSec.min}, max ${perSec.max}, mean ${fmt(windowRate, 1)}. Counted over any sliding 1 s window (the strictest reading of "never above"): at most ${steady.max} while held, ${drained.max} while draining, ${whole.max} over the whole run (${wholeAt}); over any 10 s window at most ${fmt(max10s, 1)}/s; in whole seconds (from the first submit) at most ${alignedMax}.`);
    }
    return {
      id: 'S5', title: `Scale: ${n.toLocaleString('en-US')} tasks in flight`,
      method: `Two \`ROLE=all\` gateway processes (HTTP + workers, \`workers.concurrency\` ${stage.effective.workers.concurrency} each) share provider \`legnext\` with \`maxConcurrency\` 10,000 (room for every task) and \`pollsPerSecond\` ${BUDGET}; the bench submits ${n.toLocaleString('en-US')} tasks through both (64 at once); simulator jobs last 1 h. Once every job is accepted upstream, a ${windowS} s window measures CPU, event-loop delay and reads per second; then all jobs are finished upstream and the tasks drain by polling alone.`,
      tables: [
        {
          head: ['in flight', 'submit phase (s)', 'Redis B/task', 'B/task w/o rate-limit window', 'polls/s held (mean)', 'max polls in 1 s: held / draining / whole run', 'max polls/s over 10 s', 'drain (s)', 'budget'],
          rows: [[n, fmt(submitS, 1), fmtInt(perTask), `**${fmtInt(perTaskNoRl)}**`, fmt(windowRate, 1), `${steady.max} / ${drained.max} / **${whole.max}** (${wholeAt})`, fmt(max10s, 1), fmt(drainS, 1), HAS_POLL_BUDGET ? `${BUDGET}/s` : 'n/a']],
        },
        {
          head: ['process', 'CPU % of a core (window)', 'event loop p50 / p99 / max ms', 'loop mean ms'],
          rows: procs.map((p, i) => [p.proc.label, fmt(cpuUse[i]!.corePct, 1), `${fmt(loops[i]!.p50, 1)} / ${fmt(loops[i]!.p99, 1)} / ${fmt(loops[i]!.max, 1)}`, fmt(loops[i]!.mean, 1)]),
        },
        { caption: 'Redis memory by key class while in flight (top 10):', head: ['key class', 'keys', 'bytes per task'], rows: memRows },
      ],
      goals, notes,
      verified: { created: verified.created, statuses: verified.statuses, allFinal: verified.allFinal && drain.ok },
      raw: { n, submitS, mem0, mem1, rlBytes: rl, perTask, perTaskNoRl, windowS, windowRate, maxPolls1s: { whole: { ...whole, at: whole.at - t0 }, held: steady.max, draining: drained.max, alignedMax }, max10s, cpu: cpuUse, loops, classes, drainS, pollsPerSecondWindow: perSec },
      seconds: (Date.now() - started) / 1000,
      code: [...stage.codes],
    };
  } finally {
    await stopStage(ctx, stage);
  }
}
