/**
 * 6. Backlog: a provider with 50 slots (`maxConcurrency` 50) and far more tasks than slots, so almost every task
 * waits in the waiting room (src/store/room-store.ts) and gets its slot by a hand-off.
 *   Part 1, drain: 300, 5,000 and 20,000 tasks (300 and 2,000 with --quick) submitted as fast as the API takes them
 *   (100 in flight), each batch measured until every task is final: tasks/s and Redis commands per task (INFO
 *   commandstats before/after, minus the bench's own completion checks). Simulator jobs end 50 ms after submit and
 *   the first read comes 100 ms after it (`polling.initialDelayMs` 100), so every job ends at its first read.
 *   Part 2, waiting: 50 jobs that last an hour hold every slot and 10,000 more tasks (2,000 with --quick) wait
 *   behind them; once all are in line, Redis commands per second over a few seconds. Those tasks never end: they
 *   are removed with the stage's key prefix when the stage stops (checked: no key is left).
 * Processes: one ROLE=api + one ROLE=worker, as for S2–S4; poll budget lifted (pollsPerSecond 100,000).
 */
import type { Client } from '../lib/gateway.js';
import { cpuMeter, sleep, waitFor } from '../lib/proc.js';
import { commandDelta, commandStats, dbCommands, dropPrefix, type CommandDelta } from '../lib/redis.js';
import { above, below, type Goal, type ScenarioResult } from '../lib/report.js';
import { addProcess, createStage, newTasks, stopStage, waitAllFinal, type Ctx, type Stage } from '../lib/stage.js';
import { fmt, fmtInt, mapLimit, mergeCounts, percentile, summarize } from '../lib/stats.js';

const SLOTS = 50;
const JOB_MS = 50;
const FIRST_READ_MS = 100;
const PARALLEL = 100;
const WAITING_GOAL = 500;
const WARM_UP = 200;
/** Measuring window of part 2: one read interval of a long job (`polling.maxDelayMs`, default 5 s). */
const WINDOW_MS = 5000;

/** Figures measured before the hand-off (slot polling), same machine class, one ROLE=all process, same simulator setup. */
const BEFORE: Array<[string, string, string, string, string]> = [
  ['50', '300', '133', '192', '—'],
  ['50', '2,000', '132', '833', '143,000'],
  ['50', '5,000', '79', '1,906', '—'],
  ['50', '8,000', '57', '3,027', '175,000'],
  ['20 (jobs that run for minutes)', '2,000', '—', '—', '133,000 for as long as they wait'],
];

interface Drain {
  n: number; accepted: number; submitS: number; makespanS: number; rate: number; sustained: number;
  e2e: { p50: number; p99: number }; perTask: number; polls: number; submits: number;
  cpuMsPerTask: { api: number; worker: number }; corePct: { api: number; worker: number };
  redis: CommandDelta; allFinal: boolean; created: number; statuses: Record<string, number>;
}

async function drain(ctx: Ctx, stage: Stage, client: Client, pids: [number, number], n: number, label = ''): Promise<Drain> {
  await ctx.sim.reset();
  const simBefore = await ctx.sim.stats();
  const before = await commandStats(ctx.redis);
  const cpu = cpuMeter(pids);
  const t0 = Date.now();
  const answers = await mapLimit(Array.from({ length: n }), PARALLEL, () => client.submit());
  const submitS = (Date.now() - t0) / 1000;
  const done = await waitAllFinal(ctx, stage, Math.round(n * 50) + 60_000, 100);
  const [a, w] = cpu();
  const after = await commandStats(ctx.redis);
  const simAfter = await ctx.sim.stats();
  const delta = commandDelta(before, after, { zcard: done.checks });
  const verified = await newTasks(ctx, stage);
  const finished = verified.rows.map((r) => r.finishedAt ?? Infinity).sort((x, y) => x - y);
  const makespanS = (finished[finished.length - 1]! - t0) / 1000;
  // Sustained: completions between the 10th and 90th percentile finish times (leaves out the ramp and the tail).
  const sustained = (0.8 * n) / ((percentile(finished, 90) - percentile(finished, 10)) / 1000);
  const e2e = summarize(verified.rows.filter((r) => r.finishedAt).map((r) => r.finishedAt! - r.createdAt));
  const out: Drain = {
    n, accepted: answers.filter((x) => x.status === 202).length, submitS, makespanS, rate: n / makespanS, sustained,
    e2e: { p50: e2e.p50, p99: e2e.p99 }, perTask: delta.total / n,
    polls: (simAfter.polls - simBefore.polls) / n, submits: (simAfter.submits - simBefore.submits) / n,
    cpuMsPerTask: { api: a!.cpuMs / n, worker: w!.cpuMs / n }, corePct: { api: a!.corePct, worker: w!.corePct },
    redis: delta, allFinal: verified.allFinal && done.ok, created: verified.created, statuses: verified.statuses,
  };
  ctx.log(`  ${label ? `${label}, ` : ''}${n} tasks: submitted in ${submitS.toFixed(1)} s, all final after ${makespanS.toFixed(1)} s → ${fmtInt(out.rate)} tasks/s (sustained ${fmtInt(sustained)}), ${fmt(out.perTask, 1)} Redis cmds/task`);
  return out;
}

/** Redis commands over one window: this database (MONITOR) and the whole server (INFO commandstats), and upstream reads. */
interface Window { seconds: number; perSecond: number; serverPerSecond: number; byCommand: Array<[string, number]>; readsPerSecond: number; corePct: { api: number; worker: number } }

async function measureWindow(ctx: Ctx, pids: [number, number]): Promise<Window> {
  const before = await commandStats(ctx.redis);
  const cpu = cpuMeter(pids);
  const w0 = Date.now();
  const own = await dbCommands(ctx.redis, WINDOW_MS);
  const w1 = Date.now();
  const [a, w] = cpu();
  const after = await commandStats(ctx.redis);
  const server = commandDelta(before, after);
  const reads = await ctx.sim.polls(w0 + 100, w0 + 100 + own.seconds * 1000);
  return {
    seconds: own.seconds, perSecond: own.total / own.seconds, serverPerSecond: server.total / ((w1 - w0) / 1000),
    byCommand: own.byCommand.map(([c, k]) => [c, k / own.seconds] as [string, number]), readsPerSecond: reads.length / own.seconds,
    corePct: { api: a!.corePct, worker: w!.corePct },
  };
}

interface Held {
  waiting: number; busy: Window; held: Window; submitS: number; inLineS: number;
  statuses: Record<string, number>; created: number; keysLeft: number;
}

/**
 * Part 2: SLOTS jobs that last an hour take every slot; a window with nobody waiting, then `waiting` more tasks are
 * submitted and, once all are in line, the same window again.
 */
async function queueBehind(ctx: Ctx, stage: Stage, client: Client, pids: [number, number], waiting: number): Promise<Omit<Held, 'keysLeft'>> {
  await ctx.sim.reset();
  await ctx.sim.behaviour({ jobDurationMs: 3_600_000, jitterMs: 0 });
  const line = `${stage.prefix}:room:p:legnext:q:bench`;
  await mapLimit(Array.from({ length: SLOTS }), SLOTS, () => client.submit());
  await waitFor('every slot held upstream', async () => (await ctx.sim.stats()).jobs >= SLOTS, 60_000, 100);
  await sleep(2000); // past the first reads: from here each job is read every polling.maxDelayMs
  const busy = await measureWindow(ctx, pids);
  ctx.log(`  ${SLOTS} busy slots, nobody waiting: ${fmtInt(busy.perSecond)} Redis commands/s (${fmt(busy.readsPerSecond, 1)} upstream reads/s)`);
  const t0 = Date.now();
  await mapLimit(Array.from({ length: waiting }), PARALLEL, () => client.submit());
  const submitS = (Date.now() - t0) / 1000;
  await waitFor(`${waiting} tasks in line`, async () => (await ctx.redis.zcard(line)) >= waiting, 120_000, 200);
  const inLineS = (Date.now() - t0) / 1000;
  await sleep(1000); // the last jobs move to delayed after they are in line
  const w = await measureWindow(ctx, pids);
  const inLine = await ctx.redis.zcard(line);
  const tasks = await newTasks(ctx, stage);
  ctx.log(`  ${inLine} waiting behind ${SLOTS} busy slots: ${fmtInt(w.perSecond)} Redis commands/s (server-wide ${fmtInt(w.serverPerSecond)}/s; ${fmt(w.readsPerSecond, 1)} upstream reads/s)`);
  return { waiting: inLine, busy, held: w, submitS, inLineS, statuses: tasks.statuses, created: tasks.created };
}

export async function runBacklog(ctx: Ctx): Promise<ScenarioResult> {
  const started = Date.now();
  const sizes = ctx.quick ? [300, 2000] : [300, 5000, 20_000];
  const waiting = ctx.quick ? 2000 : 10_000;
  const stage = createStage(ctx, {
    name: 'backlog', pollsPerSecond: 100_000, maxConcurrency: SLOTS,
    extra: { polling: { initialDelayMs: FIRST_READ_MS, growth: 10 }, deadlines: { imageMs: 60 * 60_000 } },
  });
  const drains: Drain[] = [];
  let wait: Held;
  let warm: Drain;
  try {
    const [api, worker] = await Promise.all([addProcess(ctx, stage, 'gw-backlog-api', 'api'), addProcess(ctx, stage, 'gw-backlog-worker', 'worker')]);
    const client = api.client!;
    const pids: [number, number] = [api.gw.proc.pid, worker.gw.proc.pid];
    await ctx.sim.behaviour({ jobDurationMs: JOB_MS, jitterMs: 0 });
    // Warm-up (not in the table): the first tasks a fresh process runs are slower (code not yet optimised).
    warm = await drain(ctx, stage, client, pids, WARM_UP, 'warm-up');
    for (const n of sizes) drains.push(await drain(ctx, stage, client, pids, n));
    wait = { ...(await queueBehind(ctx, stage, client, pids, waiting)), keysLeft: 0 };
  } finally {
    await stopStage(ctx, stage);
    await ctx.sim.reset();
  }
  // stopStage dropped the prefix after stopping the processes: anything found now was left behind.
  wait.keysLeft = await dropPrefix(ctx.redis, `${stage.prefix}:`);

  const small = drains[0]!;
  const big = drains[drains.length - 1]!;
  const rateRatio = big.rate / small.rate;
  const cmdRatio = big.perTask / small.perTask;
  const nBig = big.n.toLocaleString('en-US');
  const { busy, held } = wait;
  const top = (w: Window) => w.byCommand.slice(0, 6).map(([c, k]) => `${c} ${fmt(k, 1)}`).join(', ');
  const goals: Goal[] = [
    { what: `Drain rate at ${nBig} tasks vs at ${small.n}`, target: '≥ 0.8 ×', measured: `${fmt(rateRatio)} × (${fmtInt(big.rate)} vs ${fmtInt(small.rate)} tasks/s)`, ok: rateRatio >= 0.8, miss: rateRatio >= 0.8 ? undefined : below(rateRatio, 0.8) },
    { what: `Redis commands per task at ${nBig} vs at ${small.n}`, target: '≤ 1.5 ×', measured: `${fmt(cmdRatio)} × (${fmt(big.perTask, 1)} vs ${fmt(small.perTask, 1)})`, ok: cmdRatio <= 1.5, miss: cmdRatio <= 1.5 ? undefined : above(cmdRatio, 1.5, '×') },
    { what: `Redis commands/s while ${wait.waiting.toLocaleString('en-US')} tasks wait`, target: `≤ ${WAITING_GOAL}/s`, measured: `${fmtInt(held.perSecond)}/s (${fmtInt(busy.perSecond)}/s with nobody waiting)`, ok: held.perSecond <= WAITING_GOAL, miss: held.perSecond <= WAITING_GOAL ? undefined : above(held.perSecond, WAITING_GOAL, 'commands/s') },
  ];
  const allDrained = [warm, ...drains].every((d) => d.allFinal);
  const statuses = [warm, ...drains].reduce((s, d) => mergeCounts(s, d.statuses), {} as Record<string, number>);
  const created = [warm, ...drains].reduce((s, d) => s + d.created, 0);
  const notes = [
    `Before the hand-off a waiting task polled for a slot: every waiter cost Redis commands all the time it waited, so the commands per task grew with the backlog and the drain rate fell (table above). With the hand-off a waiting task costs its admission, one line entry and the promote of its delayed job.`,
    `Drain: tasks/s = tasks ÷ (latest \`finishedAt\` − first submit), the submit phase included; sustained = completions between the 10th and 90th percentile finish times. Each job holds its slot from the submit to the first read (${FIRST_READ_MS} ms later at the earliest), so ${SLOTS} slots allow at most about ${fmtInt(SLOTS / (FIRST_READ_MS / 1000))} tasks/s.`,
    `Drain figures count Redis commands server-wide (INFO commandstats, Lua-run commands included, INFO and the bench's completion checks left out): anything else using the same Redis server meanwhile is counted too. A warm-up batch of ${WARM_UP} tasks ran first (not in the table; its tasks are among those checked).`,
    `Waiting: the commands/s are those run in the bench's database (MONITOR over ${fmt(held.seconds, 1)} s, Lua-run commands included), the server-wide figure (INFO commandstats) beside them. The ${SLOTS} busy slots are read once per \`polling.maxDelayMs\` (${fmtInt(stage.effective.polling.maxDelayMs)} ms; \`polling.growth\` 10 gets the jobs there within a second and a half), so the window "nobody waiting" is what those reads and the idle loops cost and the difference is what the waiting tasks add. ${wait.waiting.toLocaleString('en-US')} tasks were submitted in ${fmt(wait.submitS, 1)} s, all in line ${fmt(wait.inLineS, 1)} s after the first. Top commands per second — nobody waiting: ${top(busy)}; ${wait.waiting.toLocaleString('en-US')} waiting: ${top(held)}.`,
    `The ${wait.created.toLocaleString('en-US')} tasks of the waiting part (${Object.entries(wait.statuses).map(([s, k]) => `${k} ${s}`).join(', ')}) never end: they were removed with the stage's key prefix once its processes stopped; keys of the stage found afterwards: ${wait.keysLeft}.`,
  ];
  // Part 1 can only count server-wide: traffic of other databases seen in part 2's windows means it was polluted too.
  const others = Math.max(busy.serverPerSecond - busy.perSecond, held.serverPerSecond - held.perSecond);
  if (others > 1000) notes.push(`Other clients used this Redis server during the run (up to ${fmtInt(others)} commands/s outside the bench's database in the waiting part's windows): the drain's commands per task include whatever of theirs fell in its time.`);
  return {
    id: 'S6', title: `Backlog: up to ${nBig} tasks behind ${SLOTS} provider slots`,
    method: `One \`ROLE=api\` + one \`ROLE=worker\` process (\`workers.concurrency\` ${stage.effective.workers.concurrency}); provider \`legnext\` with \`maxConcurrency\` ${SLOTS}, poll budget lifted (pollsPerSecond 100,000), \`polling.initialDelayMs\` ${FIRST_READ_MS} and \`growth\` 10; simulator jobs end ${JOB_MS} ms after submit, so each ends at its first read. Drain: ${sizes.map((s) => s.toLocaleString('en-US')).join(', ')} tasks, each batch submitted ${PARALLEL} in flight and measured until every task is final (the gateway's \`active\` set empty). Waiting: ${SLOTS} jobs lasting 1 h hold the slots; Redis commands per second over ${WINDOW_MS / 1000} s with nobody waiting, then again once ${waiting.toLocaleString('en-US')} more tasks are all in line.`,
    tables: [
      {
        head: ['tasks', 'accepted (202)', 'submit phase (s)', 'all final after (s)', 'tasks/s', 'sustained tasks/s', 'submit→final p50 / p99 (s)', 'Redis cmds/task', 'upstream submits / reads per task', 'CPU ms/task API / worker'],
        rows: drains.map((d) => [d.n.toLocaleString('en-US'), d.accepted, fmt(d.submitS, 1), fmt(d.makespanS, 1), `**${fmtInt(d.rate)}**`, fmtInt(d.sustained), `${fmt(d.e2e.p50 / 1000, 1)} / ${fmt(d.e2e.p99 / 1000, 1)}`, `**${fmt(d.perTask, 1)}**`, `${fmt(d.submits)} / ${fmt(d.polls)}`, `${fmt(d.cpuMsPerTask.api, 2)} / ${fmt(d.cpuMsPerTask.worker, 2)}`]),
      },
      {
        head: ['tasks waiting', 'busy slots', 'window (s)', 'Redis commands/s (this database)', 'Redis commands/s (server-wide)', 'upstream reads/s', 'CPU % of a core API / worker'],
        rows: [[0, busy], [wait.waiting, held]].map(([k, w]) => {
          const x = w as Window;
          return [(k as number).toLocaleString('en-US'), SLOTS, fmt(x.seconds, 1), k ? `**${fmtInt(x.perSecond)}**` : fmtInt(x.perSecond), fmtInt(x.serverPerSecond), fmt(x.readsPerSecond, 1), `${fmtInt(x.corePct.api)} / ${fmtInt(x.corePct.worker)}`];
        }),
      },
      {
        caption: `Redis commands per task by command, top 8, at ${small.n} and ${nBig} tasks:`,
        head: ['command', `per task (${small.n})`, 'command', `per task (${nBig})`],
        rows: Array.from({ length: 8 }, (_, i) => {
          const s = small.redis.byCommand[i];
          const b = big.redis.byCommand[i];
          return [s?.[0] ?? '', s ? fmt(s[1] / small.n, 2) : '', b?.[0] ?? '', b ? fmt(b[1] / big.n, 2) : ''];
        }),
      },
      {
        caption: 'Before the hand-off (slot polling), measured on the same machine class with one `ROLE=all` process and the Legnext simulator, jobs ending at the first read:',
        head: ['provider slots', 'tasks queued', 'drain rate (tasks/s)', 'Redis commands per task', 'Redis commands/s while waiting'],
        rows: BEFORE,
      },
    ],
    goals, notes,
    verified: { created, statuses, allFinal: allDrained && wait.keysLeft === 0 },
    raw: { slots: SLOTS, jobMs: JOB_MS, firstReadMs: FIRST_READ_MS, warmUp: warm, drains, waiting: wait },
    seconds: (Date.now() - started) / 1000,
    code: [...stage.codes],
  };
}
