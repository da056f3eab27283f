/**
 * 8. midjourney-proxy reads: `GET /mj/task/{id}/fetch` against `GET /v1/tasks/{id}` of the same task on the same
 * process in the same run (alternating short rounds, as S1 does, since this machine's speed drifts), and
 * `POST /mj/task/list-by-condition` with 100 ids at 50 connections, twice: paced (50 pollers on their own connections,
 * 2 lists a second each, as relays such as new-api poll) for the latency goal, and closed-loop (autocannon, as fast as
 * answers come) for throughput. The tasks read are finished imagine tasks (their VOs carry nine buttons). Process: one
 * ROLE=all gateway on a stage of its own.
 */
import { AUTH } from '../lib/gateway.js';
import { cannon, openLoop, warmUp, type CannonResult } from '../lib/load.js';
import { below, above, type Goal, type ScenarioResult } from '../lib/report.js';
import { cpuMeter } from '../lib/proc.js';
import { addProcess, createStage, newTasks, stopStage, waitAllFinal, type Ctx } from '../lib/stage.js';
import { fmt, fmtInt, mapLimit } from '../lib/stats.js';

const CONNECTIONS = 50;
const IDS = 100;
/** Paced list phase: answers per second over all connections (2 per poller a second). */
const LIST_RATE = 100;
/** Bearer on both routes (as new-api relays): the same authentication cost on each side of the ratio. */
const HEADERS = AUTH;

export async function runMjProxy(ctx: Ctx): Promise<ScenarioResult> {
  const started = Date.now();
  const stage = createStage(ctx, { name: 'mjp', pollsPerSecond: 100_000 });
  try {
    await ctx.sim.reset();
    await ctx.sim.behaviour({ jobDurationMs: 20, jitterMs: 0 });
    const { gw, client } = await addProcess(ctx, stage, 'gw-mjp', 'all');
    const base = client!.url;
    const ids = await mapLimit(Array.from({ length: IDS }, (_, i) => i), 20, async (i) => {
      const res = await client!.pool.request({ method: 'POST', path: '/mj/submit/imagine', headers: HEADERS, body: JSON.stringify({ prompt: `bench lighthouse ${i}` }) });
      return (JSON.parse(await res.body.text()) as { result: string }).result;
    });
    const finished = await waitAllFinal(ctx, stage, 60_000);
    const id = ids[0]!;
    const targets = { v1: `${base}/v1/tasks/${id}`, fetch: `${base}/mj/task/${id}/fetch` };
    const durationS = ctx.quick ? 1 : 5;
    const rounds = ctx.quick ? 1 : 3;
    for (const url of Object.values(targets)) await warmUp({ url, method: 'GET', headers: HEADERS, requests: 500 });
    const runs: Record<'v1' | 'fetch', CannonResult[]> = { v1: [], fetch: [] };
    for (let r = 0; r < rounds; r++) {
      const order: Array<'v1' | 'fetch'> = r % 2 ? ['fetch', 'v1'] : ['v1', 'fetch'];
      for (const which of order) {
        ctx.log(`  round ${r + 1}: GET ${which}`);
        runs[which].push(await cannon({ url: targets[which], connections: CONNECTIONS, durationS, method: 'GET', headers: HEADERS }));
      }
    }
    const listBody = JSON.stringify({ ids });
    const sample = await client!.pool.request({ method: 'POST', path: '/mj/task/list-by-condition', headers: HEADERS, body: listBody });
    const listBytes = (await sample.body.arrayBuffer()).byteLength;
    await warmUp({ url: `${base}/mj/task/list-by-condition`, method: 'POST', headers: HEADERS, body: listBody, requests: 300 });
    ctx.log(`  list-by-condition, 100 ids, paced: ${LIST_RATE}/s over ${CONNECTIONS} connections`);
    const paced = await openLoop({ origin: base, path: '/mj/task/list-by-condition', headers: { ...HEADERS, 'content-type': 'application/json' }, body: listBody, rate: LIST_RATE, durationS: ctx.quick ? 3 : 10, connections: CONNECTIONS, okStatus: 200 });
    ctx.log('  list-by-condition, 100 ids, closed loop');
    // Who spends the time: at ~190 KB per answer the gateway, Redis and the load generator (this process) share the cores.
    const cpu = cpuMeter([gw.proc.pid, ctx.redisPid, process.pid]);
    const list = await cannon({ url: `${base}/mj/task/list-by-condition`, connections: CONNECTIONS, durationS: ctx.quick ? 2 : 10, method: 'POST', headers: HEADERS, body: listBody });
    const [gwCpu, redisCpu, loadCpu] = cpu();
    const perAnswer = (ms: number) => fmtInt((ms * 1000) / Math.max(1, list.requests));
    const listNote = `list-by-condition: ${fmtInt(list.requests)} answers of ~${fmtInt(listBytes / 1024)} KB; CPU per answer: gateway ${perAnswer(gwCpu!.cpuMs)} µs (${gwCpu!.corePct} % of a core), Redis ${perAnswer(redisCpu!.cpuMs)} µs, load generator ${perAnswer(loadCpu!.cpuMs)} µs. A p99 under 10 ms at ${CONNECTIONS} connections needs at least ${fmtInt(CONNECTIONS / 0.01)} answers/s, ~${fmtInt((CONNECTIONS / 0.01) * listBytes / 1e6)} MB/s of JSON.`;
    ctx.log(`  ${listNote}`);
    const failed = [...runs.v1, ...runs.fetch, list].reduce((n, x) => n + x.non2xx + x.errors, 0) + paced.failed;
    if (failed > 0) throw new Error(`S8: ${failed} requests failed; the figures would not be of successful reads`);
    const rps = (rs: CannonResult[]) => rs.reduce((n, x) => n + x.requests, 0) / rs.reduce((n, x) => n + x.durationS, 0);
    const ratio = rps(runs.fetch) / rps(runs.v1);
    const goals: Goal[] = [
      { what: 'fetch throughput ÷ GET /v1/tasks/{id}', target: '≥ 0.9', measured: fmt(ratio), ok: ratio >= 0.9, ...(ratio < 0.9 ? { miss: below(ratio, 0.9) } : {}) },
      { what: `list-by-condition (100 ids) p99 at 50 connections polling (${LIST_RATE} lists/s)`, target: '< 10 ms', measured: `${fmt(paced.latency.p99)} ms`, ok: paced.latency.p99 < 10, ...(paced.latency.p99 >= 10 ? { miss: above(paced.latency.p99, 10, 'ms') } : {}) },
    ];
    const row = (name: string, rs: CannonResult[]) => [name, fmtInt(rps(rs)), fmt(rs.reduce((n, x) => n + x.p50, 0) / rs.length), fmt(Math.max(...rs.map((x) => x.p99))), rs.reduce((n, x) => n + x.non2xx + x.errors, 0)];
    const tasks = await newTasks(ctx, stage);
    return {
      id: 'S8', title: 'midjourney-proxy reads', seconds: (Date.now() - started) / 1000, code: [...stage.codes],
      method: `One ROLE=all gateway; ${IDS} imagine tasks submitted through /mj/submit/imagine and run to the end. GET /v1/tasks/{id} and GET /mj/task/{id}/fetch of the same task alternate in ${rounds} round(s) of ${durationS} s at ${CONNECTIONS} connections; then list-by-condition with all ${IDS} ids at ${CONNECTIONS} connections: paced at ${LIST_RATE}/s for ${ctx.quick ? 3 : 10} s (latency goal), then closed-loop for ${ctx.quick ? 2 : 10} s (throughput).`,
      tables: [{ head: ['route', 'req/s', 'p50 ms (mean of rounds)', 'p99 ms (worst round)', 'non-2xx + errors'], rows: [row('GET /v1/tasks/{id}', runs.v1), row('GET /mj/task/{id}/fetch', runs.fetch), row('POST /mj/task/list-by-condition (100 ids), closed loop', [list]),
        [`POST /mj/task/list-by-condition (100 ids), paced ${LIST_RATE}/s`, fmtInt(paced.achievedRate), fmt(paced.latency.p50), fmt(paced.latency.p99), paced.failed]] }],
      goals, verified: { created: tasks.created, statuses: tasks.statuses, allFinal: tasks.allFinal && finished.ok }, notes: [listNote], raw: { runs, list, paced },
    };
  } finally {
    await stopStage(ctx, stage);
  }
}
