/**
 * 9. Waiters: 2,000 concurrent `Prefer: wait=60` reads and 5,000 open SSE streams (`GET /v1/tasks/{id}/events`) on
 * one ROLE=api process, over 100 tasks whose upstream jobs run until told to finish.
 *   Redis commands/s in the bench's database (MONITOR) over a window with nobody waiting, then over the same window
 *   with every waiter held: the difference is what the waiters cost (one subscription per process: ~nothing).
 *   RSS of the API process while they are held. Then every job is finished at once; for each held answer and each
 *   stream's final event, the time from the task's `finishedAt` (the final transition) to its arrival here.
 * Processes: one ROLE=api + one ROLE=worker; polling.maxDelayMs 15 s (growth 10): the 100 jobs' reads are a small,
 * steady background, and a finished job is seen within 15 s, well inside the 60 s waits.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { DEFAULT_BEHAVIOUR } from '../../providers/sim/kit.js';
import { AUTH } from '../lib/gateway.js';
import { sleep, waitFor } from '../lib/proc.js';
import { dbCommands, readTasks } from '../lib/redis.js';
import { above, type Goal, type ScenarioResult } from '../lib/report.js';
import { addProcess, createStage, newTasks, stopStage, waitAllFinal, type Ctx } from '../lib/stage.js';
import { fmt, fmtInt, mapLimit, summarize } from '../lib/stats.js';

const TASKS = 100;
const WAITS = 2000;
const STREAMS = 5000;
const RSS_GOAL_MIB = 400;
const P50_GOAL_MS = 50;
/** Reads of the running jobs settle at this interval: few enough that the windows measure the waiters, not the polls. */
const POLL_MAX_MS = 15_000;

/** How many of `ids` are upstream (`submitted` or `running`) (read straight from the store's records). */
async function newTasksRunning(ctx: Ctx, prefix: string, ids: string[]): Promise<number> {
  const rows = await readTasks(ctx.redis, prefix, ids);
  return rows.filter((r) => r.status === 'running' || r.status === 'submitted').length;
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Held { done: Promise<number | null> }

/** A held read: resolves with (arrival − finishedAt) ms once answered, null when the answer was not final. */
function holdRead(pool: Pool, id: string): Held {
  const done = pool.request({ method: 'GET', path: `/v1/tasks/${id}`, headers: { ...AUTH, prefer: 'wait=60' } }).then(async (res) => {
    const task = (await res.body.json()) as { status: string; finishedAt: string | null };
    const at = Date.now();
    return task.finishedAt && task.status === 'succeeded' ? at - Date.parse(task.finishedAt) : null;
  });
  return { done: done.catch(() => null) };
}

/** An open stream: `opened` once its first event arrived; `done` with (final event − finishedAt) ms. */
function holdStream(pool: Pool, id: string): Held & { opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const done = pool.request({ method: 'GET', path: `/v1/tasks/${id}/events`, headers: AUTH }).then(async (res) => {
    let text = '';
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString();
      if (text.includes('event: task')) open();
      const final = /data: (\{[^\n]*"status":"succeeded"[^\n]*\})\n\n/.exec(text);
      if (final) {
        const at = Date.now();
        res.body.destroy();
        return at - Date.parse((JSON.parse(final[1]!) as { finishedAt: string }).finishedAt);
      }
    }
    open();
    return null;
  }).catch(() => {
    open();
    return null;
  });
  return { done, opened };
}

export async function runWaiters(ctx: Ctx): Promise<ScenarioResult> {
  const started = Date.now();
  const windowMs = ctx.quick ? 3000 : 5000;
  const stage = createStage(ctx, { name: 'waiters', pollsPerSecond: 100_000, extra: { polling: { initialDelayMs: 200, maxDelayMs: POLL_MAX_MS, growth: 10, maxNotFound: 5 } } });
  try {
    const { gw: api, client } = await addProcess(ctx, stage, 'gw-waiters-api', 'api');
    await addProcess(ctx, stage, 'gw-waiters-worker', 'worker');
    await ctx.sim.reset();
    await ctx.sim.behaviour({ jobDurationMs: 3_600_000 });
    const ids = (await mapLimit(Array.from({ length: TASKS }), 20, () => client!.submit())).map((a) => a.id!);
    await waitFor('every task running', async () => (await newTasksRunning(ctx, stage.prefix, ids)) >= TASKS, 120_000, 500);
    ctx.log(`  ${TASKS} tasks running upstream`);
    await sleep(3000); // the reads reach polling.maxDelayMs
    const rssIdle = rssMiB(api.proc.pid);
    const idle = await dbCommands(ctx.redis, windowMs);
    ctx.log(`  nobody waiting: ${fmtInt(idle.total / idle.seconds)} Redis commands/s`);

    const pool = new Pool(api.url!, { connections: WAITS + STREAMS + 100, pipelining: 1, headersTimeout: 120_000, bodyTimeout: 120_000 });
    // Connections are opened 250 at a time (the listen backlog is finite); each stream's first event marks it open.
    const streams: Array<ReturnType<typeof holdStream>> = [];
    for (let i = 0; i < STREAMS; i += 250) {
      const batch = Array.from({ length: Math.min(250, STREAMS - i) }, (_, j) => holdStream(pool, ids[(i + j) % TASKS]!));
      streams.push(...batch);
      await Promise.all(batch.map((x) => x.opened));
    }
    const waits: Held[] = [];
    for (let i = 0; i < WAITS; i += 250) {
      waits.push(...Array.from({ length: Math.min(250, WAITS - i) }, (_, j) => holdRead(pool, ids[(i + j) % TASKS]!)));
      await sleep(100);
    }
    ctx.log(`  ${STREAMS} streams open, ${WAITS} reads held`);
    await sleep(2000);
    const rssHeld = rssMiB(api.proc.pid);
    const held = await dbCommands(ctx.redis, windowMs);
    const rssPeak = Math.max(rssHeld, rssMiB(api.proc.pid));
    ctx.log(`  ${WAITS} waits + ${STREAMS} streams held: ${fmtInt(held.total / held.seconds)} Redis commands/s, API RSS ${fmtInt(rssPeak)} MiB`);

    await ctx.sim.finishAll();
    const [readLat, streamLat] = await Promise.all([Promise.all(waits.map((w) => w.done)), Promise.all(streams.map((s) => s.done))]);
    await pool.close();
    await ctx.sim.behaviour({ jobDurationMs: DEFAULT_BEHAVIOUR.jobDurationMs });
    const done = await waitAllFinal(ctx, stage, 60_000);
    const verified = await newTasks(ctx, stage);
    const reads = summarize(readLat.filter((x): x is number => x !== null));
    const events = summarize(streamLat.filter((x): x is number => x !== null));
    const all = summarize([...readLat, ...streamLat].filter((x): x is number => x !== null));
    ctx.log(`  final transition → answer p50 ${fmt(all.p50, 1)} ms (reads ${fmt(reads.p50, 1)}, streams ${fmt(events.p50, 1)}), p99 ${fmt(all.p99, 1)} ms`);

    const idleRate = idle.total / idle.seconds;
    const heldRate = held.total / held.seconds;
    // The background reads of 100 running jobs vary a little window to window: allow 10 % or 20 commands/s.
    const cmdLimit = Math.max(idleRate * 1.1, idleRate + 20);
    const goals: Goal[] = [
      { what: `Redis commands/s with ${WAITS.toLocaleString('en-US')} waits + ${STREAMS.toLocaleString('en-US')} streams held`, target: 'no growth (≤ 1.1 × nobody waiting)', measured: `${fmtInt(heldRate)}/s vs ${fmtInt(idleRate)}/s`, ok: heldRate <= cmdLimit, miss: heldRate <= cmdLimit ? undefined : above(heldRate, cmdLimit, 'commands/s') },
      { what: 'API process RSS with every waiter held', target: `< ${RSS_GOAL_MIB} MiB`, measured: `${fmtInt(rssPeak)} MiB (${fmtInt(rssIdle)} MiB idle)`, ok: rssPeak < RSS_GOAL_MIB, miss: rssPeak < RSS_GOAL_MIB ? undefined : above(rssPeak, RSS_GOAL_MIB, 'MiB') },
      { what: 'Final transition → waiter answer, p50', target: `< ${P50_GOAL_MS} ms`, measured: `${fmt(all.p50, 1)} ms (p99 ${fmt(all.p99, 1)} ms)`, ok: all.p50 < P50_GOAL_MS, miss: all.p50 < P50_GOAL_MS ? undefined : above(all.p50, P50_GOAL_MS, 'ms') },
    ];
    const top = (t: typeof idle) => t.byCommand.slice(0, 5).map(([c, k]) => `${c} ${fmt(k / t.seconds, 1)}/s`).join(', ');
    return {
      id: 'S9', title: `Waiters: ${WAITS.toLocaleString('en-US')} Prefer: wait + ${STREAMS.toLocaleString('en-US')} SSE streams on one API process`,
      method: `One \`ROLE=api\` + one \`ROLE=worker\` process; ${TASKS} imagine tasks whose simulator jobs run until finished on command; ${WAITS} \`GET /v1/tasks/{id}\` with \`Prefer: wait=60\` and ${STREAMS} \`GET /v1/tasks/{id}/events\` spread evenly over them, each on its own connection. Redis commands/s in the bench's database (MONITOR, Lua-run commands included) over ${windowMs / 1000} s before the waiters and ${windowMs / 1000} s while all are held; then every job is finished at once and each answer's arrival is compared with its task's \`finishedAt\`.`,
      tables: [
        { head: ['waiters held', 'Redis commands/s', 'top commands', 'API RSS (MiB)'], rows: [[0, fmtInt(idleRate), top(idle), fmtInt(rssIdle)], [(WAITS + STREAMS).toLocaleString('en-US'), `**${fmtInt(heldRate)}**`, top(held), `**${fmtInt(rssPeak)}**`]] },
        { head: ['answer', 'n', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'max (ms)'], rows: [['Prefer: wait read', reads.n, fmt(reads.p50, 1), fmt(reads.p90, 1), fmt(reads.p99, 1), fmt(reads.max, 1)], ['SSE final event', events.n, fmt(events.p50, 1), fmt(events.p90, 1), fmt(events.p99, 1), fmt(events.max, 1)], ['all', all.n, `**${fmt(all.p50, 1)}**`, fmt(all.p90, 1), fmt(all.p99, 1), fmt(all.max, 1)]] },
      ],
      goals,
      notes: [
        'Each change of a task is published once on `<prefix>:task-changes`; the API process holds one subscription and wakes its waiters in memory, so the waiters add no Redis commands while they wait; each costs one read when it starts.',
        `Latency runs from \`finishedAt\` (set by the worker as it writes the final transition) to the answer's arrival in the bench process, so it includes the worker's write, the publish, the fan-out to ${fmtInt(WAITS + STREAMS)} connections and the bench's own parsing, all on the same 2 cores. Answers not final: ${readLat.filter((x) => x === null).length} reads, ${streamLat.filter((x) => x === null).length} streams.`,
      ],
      verified: { created: verified.created, statuses: verified.statuses, allFinal: verified.allFinal && done.ok },
      raw: { idle: { rate: idleRate, byCommand: idle.byCommand }, held: { rate: heldRate, byCommand: held.byCommand }, rssIdle, rssPeak, reads, events, all },
      seconds: (Date.now() - started) / 1000,
      code: [...stage.codes],
    };
  } finally {
    await ctx.sim.behaviour({ jobDurationMs: DEFAULT_BEHAVIOUR.jobDurationMs }).catch(() => undefined);
    await stopStage(ctx, stage);
  }
}
