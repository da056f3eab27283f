/**
 * `npm run bench -- --ab=<git-ref>` (or `--ab-dir=<path>`): scenario S1 as an A/B comparison of two versions of the
 * gateway — A, the other ref (a temporary detached worktree, bench/lib/checkout.ts) or directory, and B, this
 * checkout — next to the floor, in the same alternating rounds (bench/scenarios/api-ab.ts). Both gateways are one
 * `ROLE=api` process started as every gateway of the bench is (`node --max-semi-space-size=64 --import tsx
 * src/main.ts`), with the same config apart from its key prefix, on the same Redis database. Written to
 * bench/results/ab.{md,json} (never BENCHMARKS.md) and printed. `--quick`: 2 rounds of 1 s; `--rounds=N`.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { existingCheckout, worktreeOf, type Checkout } from './lib/checkout.js';
import { Client, startGateway, writeConfig, type GatewayProc } from './lib/gateway.js';
import { hostMonitor, type HostLoad } from './lib/host.js';
import { RESULTS, SERVER_NODE_FLAGS, stopAll } from './lib/proc.js';
import { connect, dropPrefix, pingRoundTrip, REDIS_URL, redisPid, serverInfo } from './lib/redis.js';
import type { Ctx } from './lib/stage.js';
import { fmt, fmtInt } from './lib/stats.js';
import { startFloor, startSim } from './lib/upstream.js';
import { abPlan, runApiAb, type AbPlan, type AbRow, type AbTarget } from './scenarios/api-ab.js';

export interface AbOptions { ref?: string; dir?: string; quick: boolean; rounds?: number; command: string }

interface AbEnv {
  date: string; command: string; machine: string; node: string; redis: string;
  /** Redis PING round trips (µs), one at a time, before and after the measurement. */
  roundTrip: string;
  a: { what: string; code: string; lockDiffers: boolean }; b: { code: string };
  host: HostLoad; seconds: number;
}

export async function runAb(o: AbOptions, log: (msg: string) => void): Promise<number> {
  const t0 = Date.now();
  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
  const plan = abPlan(o.quick, o.rounds);
  const redis = connect();
  const runId = `mjgbench-${randomBytes(4).toString('hex')}`;
  let checkout: Checkout | undefined;
  let rows: AbRow[] = [];
  let gws: { a: GatewayProc; b: GatewayProc } | undefined;
  let host: HostLoad | undefined;
  const rtts: string[] = [];
  try {
    const stale = await dropPrefix(redis, 'mjgbench-');
    if (stale) log(`removed ${stale} stale keys of an earlier bench run`);
    checkout = o.ref !== undefined ? worktreeOf(o.ref) : existingCheckout(o.dir!);
    log(`A/B of S1: A = ${checkout.what} (${checkout.dir}), B = this checkout; Redis ${REDIS_URL}, prefix ${runId}; ${plan.rounds} rounds`);
    if (checkout.lockDiffers) log(`  note: A's package-lock.json differs from this checkout's; A runs with this checkout's node_modules all the same`);
    rtts.push(roundTripText(await pingRoundTrip(redis)));
    const [sim, floor] = await Promise.all([startSim(false), startFloor(REDIS_URL, `${runId}-floor`)]);
    const ctx: Ctx = { quick: o.quick, cpuProf: false, redis, sim, floor, runId, log, redisPid: await redisPid(redis) };
    // One config per gateway, the same but for the key prefix (and the file name).
    const cfg = (side: 'a' | 'b') => writeConfig({ name: `ab-${side}`, keyPrefix: `${runId}-${side}`, simUrl: sim.url });
    const [a, b] = await Promise.all([
      startGateway('gw-ab-a', 'api', cfg('a').path, `${runId}-a`, { cwd: checkout.dir }),
      startGateway('gw-ab-b', 'api', cfg('b').path, `${runId}-b`),
    ]);
    gws = { a, b };
    log(`  gateway A ${a.code} (pid ${a.proc.pid}), gateway B ${b.code} (pid ${b.proc.pid})`);
    if (a.code === b.code) log('  note: A and B are the same commit');

    // Each gateway reads a task of its own; the floor reads B's document (the same JSON).
    const taskOf = async (gw: GatewayProc, side: string) => {
      const client = new Client(gw.url!, 4);
      try {
        const { status, id } = await client.submit();
        const doc = id ? await client.getText(`/v1/tasks/${id}`) : undefined;
        if (status !== 202 || !id || doc?.status !== 200) throw new Error(`gateway ${side}: POST /v1/tasks answered ${status}, GET ${doc?.status ?? '—'} ${doc?.text ?? ''}`);
        return { id, doc: doc.text };
      } finally {
        await client.close();
      }
    };
    const [ta, tb] = await Promise.all([taskOf(a, 'A'), taskOf(b, 'B')]);
    await redis.set(`${floor.prefix}:doc`, tb.doc);
    const targets: Record<'floor' | 'A' | 'B', AbTarget> = {
      floor: { pid: floor.proc.pid, GET: `${floor.url}/floor/doc`, POST: `${floor.url}/floor` },
      A: { pid: a.proc.pid, GET: `${a.url}/v1/tasks/${ta.id}`, POST: `${a.url}/v1/tasks` },
      B: { pid: b.proc.pid, GET: `${b.url}/v1/tasks/${tb.id}`, POST: `${b.url}/v1/tasks` },
    };
    const monitor = hostMonitor(ctx.redisPid);
    const from = monitor.mark();
    rows = await runApiAb(ctx, targets, plan);
    host = monitor.since(from);
    monitor.stop();
    if (host.othersCorePct >= 10) log(`  note: other processes on this machine used ${host.othersCorePct} % of a core meanwhile (peak ${host.othersPeakPct} %)`);
    rtts.push(roundTripText(await pingRoundTrip(redis)));
  } finally {
    await stopAll();
    checkout?.remove();
    await dropPrefix(redis, runId).catch(() => undefined);
  }

  const cpu = cpus();
  const env: AbEnv = {
    date: new Date().toISOString(), command: o.command,
    machine: `${cpu.length} cores (nproc), ${cpu[0]?.model.trim() ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${release()}; load average before the run ${loadBefore}`,
    node: process.version, redis: `${(await serverInfo(redis)).version} (${REDIS_URL})`, roundTrip: `${rtts.join(' before; ')} after`,
    a: { what: checkout.what, code: gws.a.code, lockDiffers: checkout.lockDiffers }, b: { code: gws.b.code },
    host: host, seconds: Math.round((Date.now() - t0) / 1000),
  };
  await redis.quit();
  const md = render(env, plan, rows);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'ab.md'), md);
  writeFileSync(join(RESULTS, 'ab.json'), `${JSON.stringify({ env, plan, rows }, null, 2)}\n`);
  process.stdout.write(`\n${md}\n`);
  const failed = rows.some((r) => r.runs.floor.failed + r.runs.A.failed + r.runs.B.failed > 0);
  log(`${failed ? 'SOME REQUESTS FAILED (see the last column); ' : ''}wrote bench/results/ab.md, bench/results/ab.json in ${env.seconds} s`);
  return failed ? 1 : 0;
}

const roundTripText = (t: { p50: number; mean: number }) => `p50 ${fmt(t.p50, 0)} µs, mean ${fmt(t.mean, 0)} µs`;

function render(env: AbEnv, plan: AbPlan, rows: AbRow[]): string {
  const three = (r: AbRow, f: (run: AbRow['runs']['A']) => string) => `${f(r.runs.floor)} / ${f(r.runs.A)} / ${f(r.runs.B)}`;
  const spread = (v: number[]) => (v.length > 1 ? `${fmt(Math.min(...v), 3)}–${fmt(Math.max(...v), 3)}` : '—');
  const head = ['method, connections', 'floor req/s', 'A req/s', 'B req/s', 'A/floor', 'B/floor', 'B/A', 'B/A by round', 'B/A min–max', 'CPU µs/req floor / A / B', 'CPU/req B/A', 'p50 ms floor / A / B', 'failed floor / A / B'];
  const body = rows.map((r) => [
    `${r.method} ${r.connections}`, fmtInt(r.runs.floor.rps), fmtInt(r.runs.A.rps), fmtInt(r.runs.B.rps), `${fmt(r.aFloor)}×`, `${fmt(r.bFloor)}×`, `**${fmt(r.bA, 3)}×**`,
    r.bAByRound.map((x) => fmt(x, 3)).join(' '), spread(r.bAByRound), three(r, (x) => fmtInt(x.cpuUsPerReq)), `${fmt(r.cpuBA, 3)}×`, three(r, (x) => fmt(x.p50, 0)), three(r, (x) => String(x.failed)),
  ]);
  return [
    '# A/B: S1 API path, gateway A against gateway B',
    '',
    `Generated by \`${env.command}\` (bench/ab.ts) — a comparison, not the published figures (BENCHMARKS.md).`,
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${env.date} |`,
    `| A | ${env.a.what}: ${env.a.code}${env.a.lockDiffers ? ' (its package-lock.json differs from B\'s: it ran with B\'s node_modules)' : ''} |`,
    `| B | this checkout: ${env.b.code} |`,
    `| machine | ${env.machine} |`,
    `| round trip to Redis (PING, one at a time) | ${env.roundTrip} |`,
    `| other processes meanwhile | ${env.host.othersCorePct} % of one core on average (peak ${env.host.othersPeakPct} % in one second) |`,
    `| Node, Redis | ${env.node}, ${env.redis} |`,
    `| run time | ${env.seconds} s |`,
    '',
    `autocannon, closed loop, pipelining 1, against the floor (bench/floor-server.ts: GET → one Redis GET; POST → one SET → 202), gateway A and gateway B (one \`ROLE=api\` process each, started with \`node ${SERVER_NODE_FLAGS.join(' ')} --import tsx src/main.ts\` in its checkout, the same config but for the key prefix, no workers), each target and method after a warm-up (${plan.warmUp}). ${plan.rounds} rounds per method and connection count, ${fmt(plan.roundS.GET, 2)} s (GET) and ${fmt(plan.roundS.POST, 2)} s (POST) per target and round, the order [floor, A, B] flipping every round, so all three see the same drift of the machine (with an even number of rounds, A goes first as often as B). req/s = all requests of a target over all its rounds' time; B/A by round = B's req/s over A's in the same round; CPU = the target process's own (/proc), per request; p50 = the median round's.`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
    '',
    'Reading it: B/A above 1 means B (this checkout) serves more requests per second than A. A difference is only',
    'real if it is larger than the spread of B/A across rounds: when the rounds\' B/A straddle 1 (or their min–max is',
    'wider than the difference itself), this run cannot tell A and B apart. CPU per request usually moves less than',
    'req/s with the machine\'s drift, and says the same thing when the difference is real.',
    '',
  ].join('\n');
}
