/**
 * `npm run bench` — what the gateway adds, measured against references in the same run, written to BENCHMARKS.md
 * and bench/results/latest.json (`--quick`: smaller and shorter, written to bench/results/quick.{md,json}).
 * `BENCH_CPU_PROF=1` starts every gateway process with --cpu-prof and summarises the profiles.
 * `--ab=<git-ref>` / `--ab-dir=<path>` run S1 alone as an A/B comparison of that code against this checkout's
 * (bench/ab.ts), written to bench/results/ab.{md,json}; `--quick` and `--rounds=N` apply.
 *
 * Processes (all on this machine): the Legnext simulator (bench/sims.ts), the floor (bench/floor-server.ts), and the
 * gateway (`node --import tsx src/main.ts`, one config per stage):
 *   stage "main": S1 on a ROLE=api process alone (stopped after S1, so its profile is S1's); then a new ROLE=api
 *                 process + a ROLE=worker process for S2, S3 and S4 (polling);
 *   stage "cb":   ROLE=api + ROLE=worker with publicUrl for S4 (callbacks);
 *   stage "scale": two ROLE=all processes for S5;
 *   stage "backlog": ROLE=api + ROLE=worker with a provider of 50 slots for S6.
 * Redis: BENCH_REDIS_URL or redis://127.0.0.1:6379/14, every key under `mjgbench-<random>`, all removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { codeVersion, HAS_POLL_BUDGET } from './lib/gateway.js';
import { hostMonitor } from './lib/host.js';
import { PROF_DIR, ROOT, stopAll } from './lib/proc.js';
import { loadProfiles, profileMarkdown, saveProfiles, summarizeAll, type ProfileRun, type ProfileSummary } from './lib/profile.js';
import { connect, dropPrefix, pingRoundTrip, REDIS_URL, redisPid, serverInfo } from './lib/redis.js';
import { writeResults, type Environment, type ScenarioResult } from './lib/report.js';
import { fmt } from './lib/stats.js';
import { addProcess, codesStarted, createStage, stopStage, type Ctx, type Stage } from './lib/stage.js';
import { startFloor, startSim } from './lib/upstream.js';
import { runApi } from './scenarios/api.js';
import { runBacklog } from './scenarios/backlog.js';
import { runConsole } from './scenarios/console.js';
import { runMjProxy } from './scenarios/mjproxy.js';
import { runNotice } from './scenarios/notice.js';
import { runPipeline } from './scenarios/pipeline.js';
import { runScale } from './scenarios/scale.js';
import { runSteady } from './scenarios/steady.js';
import { runMedia } from './scenarios/media.js';
import { runWaiters } from './scenarios/waiters.js';

const quick = process.argv.includes('--quick');
const cpuProf = process.env.BENCH_CPU_PROF === '1';
/** `--only=S1,S3`: run just these scenarios (for investigation; the report then lists only them). */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const wanted = (id: string) => !only || only.includes(id);
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/** `--ab=<git-ref>` or `--ab-dir=<path>`: the A/B mode (bench/ab.ts) instead of the scenarios. */
const ab = { ref: arg('ab'), dir: arg('ab-dir'), rounds: arg('rounds') };
const t0 = Date.now();
const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
const codeAtStart = codeVersion();
const log = (msg: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '?';
  } catch {
    return cpus()[0]?.model.trim() ?? '?';
  }
}

/** Which profiles speak for which scenario (the "what bounds it" evidence). */
const PROFILED: Record<string, string[]> = { S1: ['gw-api-s1'], S2: ['gw-api-s1', 'gw-worker'], S3: ['gw-worker'], S5: ['gw-scale-1'], S6: ['gw-backlog-worker'] };

function profileNote(p: ProfileSummary): string {
  return `CPU profile of ${p.label}: socket write system calls take ${p.socketWritesPct} % of its busy time; by area ${p.areas.slice(0, 6).map((a) => `${a.name} ${a.pct} %`).join(', ')}; top functions ${p.functions.slice(0, 4).map((f) => `\`${f.name}\` ${f.pct} %`).join(', ')}.`;
}

async function main(): Promise<void> {
  const redis = connect();
  const roundTrips: Array<{ p50: number; mean: number }> = [];
  const runId = `mjgbench-${randomBytes(4).toString('hex')}`;
  const results: ScenarioResult[] = [];
  let sim: Awaited<ReturnType<typeof startSim>> | undefined;
  let main: Stage | undefined;
  let ctx: Ctx | undefined;
  const command = `${cpuProf ? 'BENCH_CPU_PROF=1 ' : ''}npm run bench${quick || only ? ` --${quick ? ' --quick' : ''}${only ? ` --only=${only.join(',')}` : ''}` : ''}`;
  try {
    // Keys of an earlier run that was killed before it could clean up (only this bench's own prefix).
    const stale = await dropPrefix(redis, 'mjgbench-');
    if (stale) log(`removed ${stale} stale keys of an earlier bench run`);
    if (cpuProf) rmSync(PROF_DIR, { recursive: true, force: true });
    roundTrips.push(await pingRoundTrip(redis));
    log(`${quick ? 'quick run' : 'full run'}; Redis ${REDIS_URL}, prefix ${runId}; poll budget key ${HAS_POLL_BUDGET ? 'present' : 'ABSENT'}`);
    const [s, floor] = await Promise.all([startSim(false), startFloor(REDIS_URL, `${runId}-floor`)]);
    sim = s;
    ctx = { quick, cpuProf, redis, sim, floor, runId, log, redisPid: await redisPid(redis) };
    const host = hostMonitor(ctx.redisPid);
    const scenario = async (fn: () => Promise<ScenarioResult>) => {
      const from = host.mark();
      const r = await fn();
      r.host = host.since(from);
      if (r.host.othersCorePct >= 10) log(`  note: other processes on this machine used ${r.host.othersCorePct} % of a core during ${r.id}`);
      results.push(r);
    };

    main = createStage(ctx, { name: 'main', pollsPerSecond: 100_000 });
    if (wanted('S1')) {
      log('S1 API path vs floor');
      await scenario(() => runApi(ctx!, main!));
    }
    if (wanted('S2') || wanted('S3') || wanted('S4')) {
      // S1 leaves the stage with its api and worker processes running; without S1 they start here.
      if (!wanted('S1')) await Promise.all([addProcess(ctx, main, 'gw-api', 'api'), addProcess(ctx, main, 'gw-worker', 'worker')]);
    }
    if (wanted('S2')) {
      log('S2 added latency at a constant rate');
      await scenario(() => runSteady(ctx!, main!));
    }
    if (wanted('S3')) {
      log('S3 pipeline');
      await scenario(() => runPipeline(ctx!, main!));
    }
    if (wanted('S4')) {
      log('S4 time to notice');
      await scenario(() => runNotice(ctx!, main!));
    }
    await stopStage(ctx, main);
    main = undefined;
    if (wanted('S5')) {
      log('S5 scale');
      await scenario(() => runScale(ctx!));
    }
    if (wanted('S6')) {
      log('S6 backlog');
      await scenario(() => runBacklog(ctx!));
    }
    if (wanted('S7')) {
      log('S7 media');
      await scenario(() => runMedia(ctx!));
    }
    if (wanted('S8')) {
      log('S8 midjourney-proxy reads');
      await scenario(() => runMjProxy(ctx!));
    }
    if (wanted('S9')) {
      log('S9 waiters');
      await scenario(() => runWaiters(ctx!));
    }
    if (wanted('S10')) {
      log('S10 console');
      await scenario(() => runConsole(ctx!));
    }
  } finally {
    if (ctx && main) await stopStage(ctx, main).catch(() => undefined);
    await stopAll();
    await dropPrefix(redis, `${runId}`).catch(() => undefined);
  }

  // Profiles: from this run when profiled, else the last profiled run's summary (labelled as such).
  // What the gateway processes were started from ("+changes": src/ or providers/ had uncommitted edits then).
  const commit = [...codesStarted].join(', ') || codeAtStart;
  const profiles: ProfileRun | null = cpuProf ? { command, date: new Date().toISOString(), commit, profiles: summarizeAll() } : loadProfiles();
  if (cpuProf) saveProfiles(profiles!);
  for (const r of results) {
    const missed = r.goals.some((g) => g.ok === false);
    for (const label of PROFILED[r.id] ?? []) {
      const p = profiles?.profiles.find((x) => x.label === label);
      if (p && (missed || r.id === 'S1')) r.notes.push(`${cpuProf ? '' : `(separate profiled run, commit ${profiles!.commit}) `}${profileNote(p)}`);
    }
  }

  roundTrips.push(await pingRoundTrip(redis));
  const cpu = cpus();
  const env: Environment = {
    date: new Date().toISOString(), command, quick, publish: !quick && !only, mode: `${quick ? 'quick (smaller, shorter: a smoke run)' : 'full'}${only ? `, only ${only.join(', ')}` : ''}`,
    machine: `${cpu.length} cores (nproc), ${cpuModel()}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${release()}; load average before the run ${loadBefore}`,
    roundTrip: roundTrips.map((t) => `p50 ${fmt(t.p50, 0)} µs, mean ${fmt(t.mean, 0)} µs`).join(' at the start of the run; ') + ' at the end',
    node: process.version, redis: `${(await serverInfo(redis)).version} (${REDIS_URL})`,
    commit,
  };
  await redis.quit();
  const extra = profiles ? profileMarkdown(profiles, cpuProf) : [];
  const written = writeResults(env, results, extra, { totalSeconds: (Date.now() - t0) / 1000, pollBudgetKey: HAS_POLL_BUDGET });
  for (const r of results) for (const g of r.goals) log(`${g.ok === null ? '➖' : g.ok ? '✅' : '❌'} ${r.id} ${g.what}: ${g.measured} (target ${g.target})${g.miss ? ` — ${g.miss}` : ''}`);
  const allFinal = results.every((r) => r.verified.allFinal);
  log(`${allFinal ? 'every task reached a final status' : 'SOME TASKS DID NOT REACH A FINAL STATUS'}; wrote ${written.map((p) => p.replace(`${ROOT}/`, '')).join(', ')} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  // Exit now: keep-alive sockets of the HTTP clients would otherwise hold the process for seconds.
  process.exit(allFinal ? 0 : 1);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping every process started`);
    void stopAll().finally(() => process.exit(130));
  });
}

async function mainAb(): Promise<void> {
  if (ab.ref !== undefined && ab.dir !== undefined) throw new Error('--ab and --ab-dir: give one of them');
  const rounds = ab.rounds === undefined ? undefined : Number(ab.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds=${ab.rounds}: a whole number ≥ 1`);
  const which = ab.ref !== undefined ? `--ab=${ab.ref}` : `--ab-dir=${ab.dir}`;
  const command = `npm run bench -- ${which}${quick ? ' --quick' : ''}${rounds ? ` --rounds=${rounds}` : ''}`;
  const { runAb } = await import('./ab.js');
  process.exit(await runAb({ ref: ab.ref, dir: ab.dir, quick, rounds, command }, log));
}

(ab.ref !== undefined || ab.dir !== undefined ? mainAb() : main()).catch(async (err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  await stopAll();
  process.exit(1);
});
