/**
 * 9. Waiters: 2,000 concurrent `Prefer: wait=60` reads and 5,000 open SSE streams (`GET /v1/tasks/{id}/events`) on
 * one ROLE=api process, over 100 tasks whose upstream jobs run until told to finish.
 *   Redis commands/s in the bench's database (MONITOR) over equal windows with none, half and all of the waiters
 *   held, while the worker reads the same 100 running jobs at the same steady rate: any growth is what the waiters
 *   cost (one subscription per process: ~nothing). RSS of the API process while they are held. Then every job is
 *   finished at once; for each held answer and each stream's final event, the time from the task's `finishedAt`
 *   (the final transition) to its arrival here, split by the bench's own listener on the change channel.
 * Processes: one ROLE=api + one ROLE=worker; every running job is read every 2 s (polling at a fixed interval), the
 * tasks submitted evenly over those 2 s so the reads are spread evenly too.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { DEFAULT_BEHAVIOUR } from '../../providers/sim/kit.js';
import { sleep, waitFor } from '../lib/proc.js';
import { dbCommands, readTasks, redisClientsOf } from '../lib/redis.js';
import { above, type Goal, type ScenarioResult } from '../lib/report.js';
import { addProcess, createStage, newTasks, stopStage, waitAllFinal, type Ctx } from '../lib/stage.js';
import { fmt, fmtInt, summarize, type Summary } from '../lib/stats.js';
import { holdRead, holdStream, listenFinals, type Arrival, type FinalNotice, type Held } from '../lib/waiters.js';

const TASKS = 100;
const WAITS = 2000;
const STREAMS = 5000;
const RSS_GOAL_MIB = 400;
const P50_GOAL_MS = 50;
/** Every running job is read this often: a steady background, the same in every window. */
const POLL_MS = 2000;

/** How many of `ids` are upstream (`submitted` or `running`) (read straight from the store's records). */
async function newTasksRunning(ctx: Ctx, prefix: string, ids: string[]): Promise<number> {
  const rows = await readTasks(ctx.redis, prefix, ids);
  return rows.filter((r) => r.status === 'running' || r.status === 'submitted').length;
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Opens `streams` more SSE streams (250 at a time: the listen backlog is finite; each open once its first event came) and `reads` more held reads. */
async function hold(pool: Pool, ids: string[], into: { streams: Held[]; reads: Held[] }, streams: number, reads: number): Promise<void> {
  for (let i = 0; i < streams; i += 250) {
    const from = into.streams.length;
    const batch = Array.from({ length: Math.min(250, streams - i) }, (_, j) => holdStream(pool, ids[(from + j) % TASKS]!));
    into.streams.push(...batch);
    await Promise.all(batch.map((x) => x.opened));
  }
  for (let i = 0; i < reads; i += 250) {
    const from = into.reads.length;
    into.reads.push(...Array.from({ length: Math.min(250, reads - i) }, (_, j) => holdRead(pool, ids[(from + j) % TASKS]!)));
    await sleep(100);
  }
}

export async function runWaiters(ctx: Ctx): Promise<ScenarioResult> {
  const started = Date.now();
  const windowMs = ctx.quick ? 3000 : 5000;
  const stage = createStage(ctx, { name: 'waiters', pollsPerSecond: 100_000, extra: { polling: { initialDelayMs: POLL_MS, maxDelayMs: POLL_MS, growth: 0, maxNotFound: 5 } } });
  let listener: Awaited<ReturnType<typeof listenFinals>> | undefined;
  try {
    const { gw: api, client } = await addProcess(ctx, stage, 'gw-waiters-api', 'api');
    await addProcess(ctx, stage, 'gw-waiters-worker', 'worker');
    await ctx.sim.reset();
    await ctx.sim.behaviour({ jobDurationMs: 3_600_000 });
    // Submitted evenly over one poll interval, so the reads of the running jobs are spread evenly over time.
    const ids: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < TASKS; i++) {
      const next = t0 + (i * POLL_MS) / TASKS;
      if (next > Date.now()) await sleep(next - Date.now());
      ids.push((await client!.submit()).id!);
    }
    await waitFor('every task running', async () => (await newTasksRunning(ctx, stage.prefix, ids)) >= TASKS, 120_000, 500);
    ctx.log(`  ${TASKS} tasks running upstream, each read every ${POLL_MS / 1000} s`);
    await sleep(POLL_MS);
    const rssIdle = rssMiB(api.proc.pid);
    const pool = new Pool(api.url!, { connections: WAITS + STREAMS + 100, pipelining: 1, headersTimeout: 120_000, bodyTimeout: 120_000 });
    const held = { streams: [] as Held[], reads: [] as Held[] };
    // The same jobs, read at the same rate, with 0, half and all of the waiters held.
    const windows: Array<{ waiters: number; rate: number; apiRate: number; top: string; rss: number; byCommand: Array<[string, number]> }> = [];
    for (const share of [0, 0.5, 1]) {
      await hold(pool, ids, held, STREAMS * share - held.streams.length, WAITS * share - held.reads.length);
      if (share > 0) await sleep(2000);
      const rss = rssMiB(api.proc.pid);
      const apiClients = redisClientsOf(api.proc.pid);
      const w = await dbCommands(ctx.redis, windowMs);
      const waiters = held.streams.length + held.reads.length;
      const fromApi = [...w.bySource].reduce((n, [source, k]) => n + (apiClients.has(source) ? k : 0), 0);
      windows.push({ waiters, rate: w.total / w.seconds, apiRate: fromApi / w.seconds, rss: Math.max(rss, rssMiB(api.proc.pid)), top: w.byCommand.slice(0, 5).map(([c, k]) => `${c} ${fmt(k / w.seconds, 1)}/s`).join(', '), byCommand: w.byCommand });
      ctx.log(`  ${held.reads.length} waits + ${held.streams.length} streams held: ${fmtInt(w.total / w.seconds)} Redis commands/s (API process ${fmt(fromApi / w.seconds, 1)}), API RSS ${fmtInt(windows.at(-1)!.rss)} MiB`);
    }

    listener = await listenFinals(stage.prefix);
    await ctx.sim.finishAll();
    const [reads, streams] = await Promise.all([Promise.all(held.reads.map((w) => w.done)), Promise.all(held.streams.map((s) => s.done))]);
    await pool.close();
    await sleep(200);
    listener.stop();
    await ctx.sim.behaviour({ jobDurationMs: DEFAULT_BEHAVIOUR.jobDurationMs });
    const done = await waitAllFinal(ctx, stage, 60_000);
    const verified = await newTasks(ctx, stage);
    const b = breakdown(reads, streams, listener.finals);
    ctx.log(`  final transition → answer p50 ${fmt(b.all.p50, 1)} ms (reads ${fmt(b.reads.p50, 1)}, streams ${fmt(b.streams.p50, 1)}), p99 ${fmt(b.all.p99, 1)} ms; worker write → publish p50 ${fmt(b.publish.p50, 1)}, publish → seen ${fmt(b.delivery.p50, 1)}, seen → answer ${fmt(b.fanOut.p50, 1)} ms; finals spread over ${fmtInt(b.spreadMs)} ms`);

    const idle = windows[0]!;
    const full = windows.at(-1)!;
    const rssPeak = Math.max(...windows.map((w) => w.rss));
    // Judged on the API process's own commands (the waiters live there); the total also carries the worker's
    // dispatcher loop, whose idle claims vary with CPU contention from window to window.
    const apiLimit = idle.apiRate + 1;
    const growthOk = windows.every((w) => w.apiRate <= apiLimit);
    const goals: Goal[] = [
      { what: `Redis commands/s of the API process with ${WAITS.toLocaleString('en-US')} waits + ${STREAMS.toLocaleString('en-US')} streams held`, target: 'no growth (≤ nobody waiting + 1/s, same jobs read)', measured: windows.map((w) => `${fmt(w.apiRate, 1)}/s at ${w.waiters.toLocaleString('en-US')}`).join(', ') + ` (all processes: ${windows.map((w) => fmtInt(w.rate)).join(', ')}/s)`, ok: growthOk, miss: growthOk ? undefined : above(full.apiRate, apiLimit, 'commands/s') },
      { what: 'API process RSS with every waiter held', target: `< ${RSS_GOAL_MIB} MiB`, measured: `${fmtInt(rssPeak)} MiB (${fmtInt(rssIdle)} MiB idle)`, ok: rssPeak < RSS_GOAL_MIB, miss: rssPeak < RSS_GOAL_MIB ? undefined : above(rssPeak, RSS_GOAL_MIB, 'MiB') },
      { what: 'Final transition → waiter answer, p50', target: `< ${P50_GOAL_MS} ms`, measured: `${fmt(b.all.p50, 1)} ms (p99 ${fmt(b.all.p99, 1)} ms)`, ok: b.all.p50 < P50_GOAL_MS, miss: b.all.p50 < P50_GOAL_MS ? undefined : above(b.all.p50, P50_GOAL_MS, 'ms') },
    ];
    const row = (name: string, s: Summary) => [name, s.n, fmt(s.p50, 1), fmt(s.p90, 1), fmt(s.p99, 1), fmt(s.max, 1)];
    return {
      id: 'S9', title: `Waiters: ${WAITS.toLocaleString('en-US')} Prefer: wait + ${STREAMS.toLocaleString('en-US')} SSE streams on one API process`,
      method: `One \`ROLE=api\` + one \`ROLE=worker\` process; ${TASKS} imagine tasks whose simulator jobs run until finished on command, submitted evenly over ${POLL_MS / 1000} s and read by the worker every ${POLL_MS / 1000} s (a steady ${fmtInt((TASKS * 1000) / POLL_MS)} reads/s). ${WAITS} \`GET /v1/tasks/{id}\` with \`Prefer: wait=60\` and ${STREAMS} \`GET /v1/tasks/{id}/events\` spread evenly over them, each on its own connection. Redis commands/s in the bench's database (MONITOR, Lua-run commands included), of the API process (its connections, found in /proc) and of all processes, over ${windowMs / 1000} s with none, half and all of the waiters held; then every job is finished at once (the worker sees each at its next read, so the final transitions spread over one poll interval) and each answer's arrival is compared with its task's \`finishedAt\`. The bench also listens on the change channel to split the latency.`,
      tables: [
        { head: ['waiters held', 'Redis commands/s, API process', 'all processes', 'top commands (all)', 'API RSS (MiB)'], rows: windows.map((w, i) => [w.waiters.toLocaleString('en-US'), i === windows.length - 1 ? `**${fmt(w.apiRate, 1)}**` : fmt(w.apiRate, 1), fmtInt(w.rate), w.top, fmtInt(w.rss)]) },
        { head: ['answer', 'n', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'max (ms)'], rows: [row('Prefer: wait read', b.reads), row('SSE final event', b.streams), row('all: finishedAt → arrival', b.all), row('… finishedAt → change published (worker)', b.publish), row('… published → seen by a subscriber (Redis)', b.delivery), row('… seen → answer arrived (fan-out, client)', b.fanOut)] },
      ],
      goals,
      notes: [
        'Each change of a task is published once on `<prefix>:task-changes`; the API process holds one subscription and wakes its waiters in memory, so the waiters add no Redis commands while they wait; each costs one read when it starts.',
        `Latency runs from \`finishedAt\` (set by the worker as it writes the final transition) to the answer's arrival in the bench process, so it includes the worker's write, the publish, the fan-out to ${fmtInt(WAITS + STREAMS)} connections and the bench's own parsing, all on the same 2 cores. The ${TASKS} final transitions spread over ${fmtInt(b.spreadMs)} ms. Answers not final: ${reads.filter((x) => x === null).length} reads, ${streams.filter((x) => x === null).length} streams.`,
      ],
      verified: { created: verified.created, statuses: verified.statuses, allFinal: verified.allFinal && done.ok },
      raw: { windows, rssIdle, rssPeak, ...b },
      seconds: (Date.now() - started) / 1000,
      code: [...stage.codes],
    };
  } finally {
    listener?.stop();
    await ctx.sim.behaviour({ jobDurationMs: DEFAULT_BEHAVIOUR.jobDurationMs }).catch(() => undefined);
    await stopStage(ctx, stage);
  }
}

/** Latency of every answer, and its parts per task (worker write → publish → seen here) and per answer (seen → arrival). */
function breakdown(reads: Array<Arrival | null>, streams: Array<Arrival | null>, finals: Map<string, FinalNotice>) {
  const ok = (xs: Array<Arrival | null>) => xs.filter((x): x is Arrival => x !== null);
  const lat = (xs: Arrival[]) => summarize(xs.map((x) => x.at - x.finishedAt));
  const answers = [...ok(reads), ...ok(streams)];
  const finishedAt = new Map(answers.map((a) => [a.id, a.finishedAt]));
  const notices = [...finals.entries()].filter(([id]) => finishedAt.has(id));
  const ends = [...finishedAt.values()];
  return {
    reads: lat(ok(reads)), streams: lat(ok(streams)), all: lat(answers),
    publish: summarize(notices.map(([id, n]) => n.publishedAt - finishedAt.get(id)!)),
    delivery: summarize(notices.map(([, n]) => n.seenAt - n.publishedAt)),
    fanOut: summarize(answers.filter((a) => finals.has(a.id)).map((a) => a.at - finals.get(a.id)!.seenAt)),
    spreadMs: ends.length ? Math.max(...ends) - Math.min(...ends) : NaN,
  };
}
