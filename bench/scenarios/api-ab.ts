/**
 * S1 as an A/B comparison (`npm run bench -- --ab=<git-ref>`, bench/ab.ts): GET /v1/tasks/{id} and POST /v1/tasks
 * under autocannon against three targets in the same rounds — the floor, gateway A (the other checkout) and gateway B
 * (this one) — the order flipping every round ([floor, A, B], then [B, A, floor]), so old and new code see the same
 * drift of the machine, and A goes first as often as B does. S1's time per target, connection counts and warm-ups
 * (bench/scenarios/api.ts `apiPlan`), in an even number of rounds. Not measured here: the create reference (the
 * floor's /floor/create route is never called), the worker and its drain (the tasks the POSTs create are deleted with
 * the run's keys).
 */
import { AUTH, IMAGINE } from '../lib/gateway.js';
import { cannon, warmUp, type CannonResult } from '../lib/load.js';
import { cpuMeter } from '../lib/proc.js';
import { commandDelta, commandStats } from '../lib/redis.js';
import type { Ctx } from '../lib/stage.js';
import { fmt, fmtInt, round, summarize } from '../lib/stats.js';
import { apiPlan } from './api.js';

export const AB_TARGETS = ['floor', 'A', 'B'] as const;
export type AbTargetName = (typeof AB_TARGETS)[number];
type Method = 'GET' | 'POST';

/** A server under load: its process (for CPU) and the URL each method is sent to. */
export interface AbTarget { pid: number; GET: string; POST: string }

export interface AbRound {
  rps: number; requests: number; durationS: number; p50: number; p99: number;
  /** CPU of the target's process, and of Redis, per request (µs); Redis commands per request (INFO commandstats). */
  cpuUsPerReq: number; redisCpuUsPerReq: number; redisPerReq: number;
  /** Answers that were not 2xx, plus errors and timeouts. */
  failed: number;
}

export interface AbRun extends Omit<AbRound, 'p50' | 'p99'> {
  /** Latency (ms) of the median round. */
  p50: number; p99: number;
  rounds: AbRound[];
}

export interface AbRow {
  method: Method; connections: number;
  runs: Record<AbTargetName, AbRun>;
  /** req/s ratios over all rounds, and B/A round by round (the spread that says what difference is noise). */
  aFloor: number; bFloor: number; bA: number; bAByRound: number[];
  /** B's CPU per request over A's. */
  cpuBA: number;
}

export interface AbPlan {
  levels: Record<Method, number[]>; rounds: number;
  /** Seconds per target and round (autocannon runs at least 1 s). */
  roundS: Record<Method, number>;
  warmUp: string;
}

/**
 * S1's connection counts and time per target, in an even number of rounds (4) so that A goes first as often as B;
 * `rounds` to choose another number (still at least 1 s per round). --quick: 2 rounds of 1 s (by time, not by a
 * number of requests as S1's quick POST: autocannon's 1 s minimum would cap a fast target's req/s at that number).
 */
export function abPlan(quick: boolean, rounds?: number): AbPlan {
  const s1 = apiPlan(quick);
  const n = rounds ?? (quick ? 2 : 4);
  const per = (total: number) => (quick ? 1 : Math.max(1, total / n));
  return { levels: s1.levels, rounds: n, roundS: { GET: per(s1.durationS.GET), POST: per(s1.durationS.POST) }, warmUp: quick ? '300 requests' : '2 s at 50 connections' };
}

const ratio = (a: number, b: number) => round(a / b, 4);

export async function runApiAb(ctx: Ctx, targets: Record<AbTargetName, AbTarget>, plan: AbPlan): Promise<AbRow[]> {
  const rows: AbRow[] = [];
  for (const method of ['GET', 'POST'] as const) {
    const body = method === 'POST' ? IMAGINE : undefined;
    for (const t of AB_TARGETS) {
      ctx.log(`  warm-up ${t} ${method}`);
      if (ctx.quick) await warmUp({ url: targets[t][method], method, headers: AUTH, body, requests: 300 });
      else await cannon({ url: targets[t][method], connections: 50, durationS: 2, method, headers: AUTH, body });
    }
    for (const connections of plan.levels[method]) {
      const rounds: Record<AbTargetName, AbRound[]> = { floor: [], A: [], B: [] };
      for (let i = 0; i < plan.rounds; i++) {
        for (const t of i % 2 === 0 ? AB_TARGETS : [...AB_TARGETS].reverse()) {
          const before = await commandStats(ctx.redis);
          const cpu = cpuMeter([targets[t].pid, ctx.redisPid]);
          const r: CannonResult = await cannon({ url: targets[t][method], connections, durationS: plan.roundS[method], method, headers: AUTH, body });
          const [server, redis] = cpu();
          const commands = commandDelta(before, await commandStats(ctx.redis));
          const n = Math.max(1, r.requests);
          rounds[t].push({
            rps: r.rps, requests: r.requests, durationS: r.durationS, p50: r.p50, p99: r.p99,
            cpuUsPerReq: round((server!.cpuMs * 1000) / n, 1), redisCpuUsPerReq: round((redis!.cpuMs * 1000) / n, 1), redisPerReq: round(commands.total / n, 2),
            failed: r.non2xx + r.errors + r.timeouts,
          });
        }
      }
      const runs = Object.fromEntries(AB_TARGETS.map((t) => [t, aggregate(rounds[t])])) as Record<AbTargetName, AbRun>;
      const { floor, A, B } = runs;
      const row: AbRow = {
        method, connections, runs, aFloor: ratio(A.rps, floor.rps), bFloor: ratio(B.rps, floor.rps), bA: ratio(B.rps, A.rps),
        bAByRound: B.rounds.map((b, i) => ratio(b.rps, A.rounds[i]!.rps)), cpuBA: ratio(B.cpuUsPerReq, A.cpuUsPerReq),
      };
      rows.push(row);
      ctx.log(`  ${method} c=${connections}: floor ${fmtInt(floor.rps)}, A ${fmtInt(A.rps)}, B ${fmtInt(B.rps)} req/s; B/A ${fmt(row.bA, 3)} (rounds ${row.bAByRound.map((x) => fmt(x, 3)).join(' ')}), CPU/req B/A ${fmt(row.cpuBA, 3)}${floor.failed + A.failed + B.failed ? `; FAILED requests: floor ${floor.failed}, A ${A.failed}, B ${B.failed}` : ''}`);
    }
  }
  return rows;
}

/** One target's rounds as one run: req/s = all its requests over all its rounds' time, per-request figures likewise. */
function aggregate(rounds: AbRound[]): AbRun {
  const requests = rounds.reduce((a, r) => a + r.requests, 0);
  const durationS = rounds.reduce((a, r) => a + r.durationS, 0);
  const weighted = (f: (r: AbRound) => number, digits: number) => round(rounds.reduce((a, r) => a + f(r) * r.requests, 0) / Math.max(1, requests), digits);
  return {
    rps: requests / durationS, requests, durationS, p50: summarize(rounds.map((r) => r.p50)).p50, p99: summarize(rounds.map((r) => r.p99)).p50,
    cpuUsPerReq: weighted((r) => r.cpuUsPerReq, 1), redisCpuUsPerReq: weighted((r) => r.redisCpuUsPerReq, 1), redisPerReq: weighted((r) => r.redisPerReq, 2),
    failed: rounds.reduce((a, r) => a + r.failed, 0), rounds,
  };
}
