/**
 * 1. API path: GET /v1/tasks/{id} and POST /v1/tasks under autocannon (50 and 200 connections) against a ROLE=api
 * gateway process with no workers running, next to the floor (bare Fastify + ioredis, one GET / one SET) in the
 * same run. Also per request: Redis commands (INFO commandstats around each run) and server CPU (/proc). POST also
 * runs the create reference (the floor's route running the gateway's create script, bench/floor-server.ts): the
 * gateway's Redis work on a bare route, which splits the gap to the floor into the create's share and the rest's.
 * A ROLE=worker process, paused (SIGSTOP) meanwhile, then drains every task the POST runs created; it and a second
 * ROLE=api process (started during the drain) stay up for scenarios 2–4.
 */
import { AUTH, IMAGINE } from '../lib/gateway.js';
import { cannon, warmUp, type CannonResult } from '../lib/load.js';
import { cpuMeter, SERVER_NODE_FLAGS, sleep } from '../lib/proc.js';
import { request } from 'undici';
import { commandDelta, commandStats, traffic, type Traffic } from '../lib/redis.js';
import { below, type Goal, type ScenarioResult } from '../lib/report.js';
import { addProcess, newTasks, stopProcess, waitAllFinal, type Ctx, type Stage } from '../lib/stage.js';
import { fmt, fmtInt, perSecond, round, summarize } from '../lib/stats.js';

const median = (v: number[]) => summarize(v).p50;
/** How many header lines an answer to GET `url` carries. */
async function headerLines(url: string): Promise<number> {
  const res = await request(url, { headers: AUTH });
  await res.body.dump();
  return Object.keys(res.headers).length;
}

type Target = 'floor' | 'reference' | 'gateway';

interface Run extends CannonResult {
  target: Target; method: 'GET' | 'POST'; redisPerReq: number; cpuUsPerReq: number; corePct: number; topCommands: Array<[string, number]>;
  /** CPU the Redis server spent per request (its process, /proc). */
  redisCpuUsPerReq: number;
  /** CPU the load generator (autocannon, in the bench process) spent per request: sending it and parsing its answer. */
  loadCpuUsPerReq: number;
  /** req/s of each round (the run's figure is all its requests over all its rounds' time). */
  roundRps: number[];
}

/**
 * How long and at which connection counts S1 measures each target (the A/B mode, bench/scenarios/api-ab.ts, too).
 * Every POST creates a task the workers must finish afterwards: POST runs are shorter, and --quick runs POST at 50
 * connections only, for 3,000 requests per target, and warms up with 300 requests instead of 2 s of autocannon.
 */
export function apiPlan(quick: boolean) {
  return { durationS: { GET: quick ? 1 : 10, POST: quick ? 1 : 5 }, quickPosts: 3000, levels: { GET: [50, 200], POST: quick ? [50] : [50, 200] } };
}

export async function runApi(ctx: Ctx, stage: Stage): Promise<ScenarioResult> {
  const started = Date.now();
  const { durationS, quickPosts, levels } = apiPlan(ctx.quick);
  await ctx.sim.reset();
  await ctx.sim.behaviour({ jobDurationMs: 50, jitterMs: 0 });
  // The worker of scenarios 2–4 starts now too, and is paused (SIGSTOP) until the POST runs are over: S1 measures the
  // API process alone, and the drain afterwards does not wait for a start-up.
  const [{ gw: api, client }, { gw: worker }] = await Promise.all([addProcess(ctx, stage, 'gw-api-s1', 'api'), addProcess(ctx, stage, 'gw-worker', 'worker')]);
  worker.proc.child.kill('SIGSTOP');

  // One real task to read back; the floor stores the very same JSON document.
  const { id } = await client!.submit();
  const doc = await client!.getText(`/v1/tasks/${id}`);
  if (!id || doc.status !== 200) throw new Error(`could not create the task to read (${doc.status} ${doc.text})`);
  await ctx.redis.set(`${ctx.floor.prefix}:doc`, doc.text);

  const targets = {
    floor: { pid: ctx.floor.proc.pid, GET: `${ctx.floor.url}/floor/doc`, POST: `${ctx.floor.url}/floor` },
    reference: { pid: ctx.floor.proc.pid, GET: '', POST: `${ctx.floor.url}/floor/create` },
    gateway: { pid: api.proc.pid, GET: `${api.url}/v1/tasks/${id}`, POST: `${api.url}/v1/tasks` },
  };
  const targetsOf = (method: 'GET' | 'POST'): Target[] => (method === 'POST' ? ['floor', 'reference', 'gateway'] : ['floor', 'gateway']);
  // The gateway's answers carry security headers, RateLimit-* and x-request-id, which the floor's do not.
  const extraHeaders = (await headerLines(targets.gateway.GET)) - (await headerLines(targets.floor.GET));
  // Floor and gateway alternate in short rounds (the order flips every round) rather than one long run each: this
  // machine's speed drifts by a third or more within minutes, and a pair measured back to back shares the drift.
  const rounds = ctx.quick ? 1 : { GET: 4, POST: 3 };
  const runs: Run[] = [];
  for (const method of ['GET', 'POST'] as const) {
    for (const target of targetsOf(method)) {
      ctx.log(`  warm-up ${target} ${method}`);
      const body = method === 'POST' ? IMAGINE : undefined;
      if (ctx.quick) await warmUp({ url: targets[target][method], method, headers: AUTH, body, requests: 300 });
      else await cannon({ url: targets[target][method], connections: 50, durationS: 2, method, headers: AUTH, body });
    }
    const n = typeof rounds === 'number' ? rounds : rounds[method];
    const roundS = durationS[method] / n;
    for (const connections of levels[method]) {
      const parts: Record<Target, Array<{ r: CannonResult; cpuMs: number; redisCpuMs: number; loadCpuMs: number; wallMs: number; redis: ReturnType<typeof commandDelta> }>> = { floor: [], reference: [], gateway: [] };
      for (let i = 0; i < n; i++) {
        const order = targetsOf(method);
        for (const target of i % 2 === 0 ? order : order.reverse()) {
          const before = await commandStats(ctx.redis);
          // The load generator is this process (autocannon): its CPU per request shows what parsing each answer costs.
          const cpu = cpuMeter([targets[target].pid, ctx.redisPid, process.pid]);
          const r = await cannon({ url: targets[target][method], connections, durationS: roundS, amount: ctx.quick && method === 'POST' ? quickPosts : undefined, method, headers: AUTH, body: method === 'POST' ? IMAGINE : undefined });
          const [used, redisUsed, loadUsed] = cpu();
          parts[target].push({ r, cpuMs: used!.cpuMs, redisCpuMs: redisUsed!.cpuMs, loadCpuMs: loadUsed!.cpuMs, wallMs: used!.wallMs, redis: commandDelta(before, await commandStats(ctx.redis)) });
        }
      }
      for (const target of targetsOf(method)) {
        const p = parts[target];
        const requests = p.reduce((a, x) => a + x.r.requests, 0);
        const seconds = p.reduce((a, x) => a + x.r.durationS, 0);
        const cpuMs = p.reduce((a, x) => a + x.cpuMs, 0);
        const redisCpuMs = p.reduce((a, x) => a + x.redisCpuMs, 0);
        const loadCpuMs = p.reduce((a, x) => a + x.loadCpuMs, 0);
        const redisTotal = p.reduce((a, x) => a + x.redis.total, 0);
        const byCommand = new Map<string, number>();
        for (const x of p) for (const [c, k] of x.redis.byCommand) byCommand.set(c, (byCommand.get(c) ?? 0) + k);
        const med = (f: (r: CannonResult) => number) => median(p.map((x) => f(x.r)));
        const run: Run = {
          connections, durationS: seconds, requests, rps: requests / seconds, p50: med((r) => r.p50), p99: med((r) => r.p99), mean: med((r) => r.mean), max: Math.max(...p.map((x) => x.r.max)),
          non2xx: p.reduce((a, x) => a + x.r.non2xx, 0), errors: p.reduce((a, x) => a + x.r.errors, 0), timeouts: p.reduce((a, x) => a + x.r.timeouts, 0),
          target, method, redisPerReq: round(redisTotal / Math.max(1, requests), 2), cpuUsPerReq: round((cpuMs * 1000) / Math.max(1, requests), 1),
          redisCpuUsPerReq: round((redisCpuMs * 1000) / Math.max(1, requests), 1), loadCpuUsPerReq: round((loadCpuMs * 1000) / Math.max(1, requests), 1),
          corePct: round((cpuMs / Math.max(1, p.reduce((a, x) => a + x.wallMs, 0))) * 100, 1), topCommands: [...byCommand.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8),
          roundRps: p.map((x) => x.r.rps),
        };
        runs.push(run);
        ctx.log(`  ${method} ${target} c=${connections}: ${fmtInt(run.rps)} req/s (rounds ${run.roundRps.map(fmtInt).join(' ')}) p50 ${run.p50} ms p99 ${run.p99} ms, ${run.redisPerReq} redis/req, ${run.cpuUsPerReq} µs CPU/req (Redis ${run.redisCpuUsPerReq}, load generator ${run.loadCpuUsPerReq}), non2xx ${run.non2xx}, errors ${run.errors}`);
      }
    }
  }

  // Submits whose client autocannon cut at the end of its last run are still finishing in the gateway: let them end
  // (their enqueue too) before counting traffic and before stopping the process.
  await sleep(ctx.quick ? 300 : 1000);
  // Calibration (not timed): what one request sends to Redis, counted with MONITOR, 200 requests one after another.
  const k = ctx.quick ? 50 : 200;
  const floorCall = async (path: string, method: 'GET' | 'POST') => void (await (await request(`${ctx.floor.url}${path}`, { method, headers: AUTH, body: method === 'POST' ? IMAGINE : undefined })).body.dump());
  const wire = {
    floorGET: await traffic(ctx.redis, async () => { for (let i = 0; i < k; i++) await floorCall('/floor/doc', 'GET'); }),
    gatewayGET: await traffic(ctx.redis, async () => { for (let i = 0; i < k; i++) await client!.getText(`/v1/tasks/${id}`); }),
    floorPOST: await traffic(ctx.redis, async () => { for (let i = 0; i < k; i++) await floorCall('/floor', 'POST'); }),
    referencePOST: await traffic(ctx.redis, async () => { for (let i = 0; i < k; i++) await floorCall('/floor/create', 'POST'); }),
    gatewayPOST: await traffic(ctx.redis, async () => { for (let i = 0; i < k; i++) await client!.submit(); }),
  };
  const per = (t: Traffic) => `${fmt(t.sent / k, 1)} sent + ${fmt(t.inLua / k, 1)} in Lua`;
  const perCmd = (t: Traffic) => t.byCommand.slice(0, 8).map(([c, n]) => `${c} ${fmt(n / k, 1)}`).join(', ');

  // The API process's profile (if any) covers exactly these runs; the worker then drains what the POSTs created.
  await stopProcess(stage, api);
  const drainFrom = Date.now();
  worker.proc.child.kill('SIGCONT');
  await addProcess(ctx, stage, 'gw-api', 'api'); // the API process of scenarios 2–4
  const drain = await waitAllFinal(ctx, stage, ctx.quick ? 60_000 : 240_000, 200);
  const verified = await newTasks(ctx, stage);
  const drainRate = perSecond(verified.rows.map((r) => r.finishedAt ?? 0), drainFrom, drain.at);
  ctx.log(`  a worker drained ${verified.created} tasks in ${((drain.at - drainFrom) / 1000).toFixed(1)} s (per second: ${drainRate.join(' ')}): ${JSON.stringify(verified.statuses)}`);

  const runOf = (method: string, c: number, target: Target) => runs.find((r) => r.method === method && r.connections === c && r.target === target);
  const pair = (method: string, c: number) => ({ f: runOf(method, c, 'floor')!, g: runOf(method, c, 'gateway')! });
  const rows: Array<Array<string | number>> = [];
  const goals: Goal[] = [];
  for (const method of ['GET', 'POST'] as const) {
    const target = method === 'GET' ? 0.8 : 0.5;
    for (const c of levels[method]) {
      const { f, g } = pair(method, c);
      const ratio = g.rps / f.rps;
      const byRound = g.roundRps.map((x, i) => x / f.roundRps[i]!);
      rows.push([
        `${method} ${c}`, fmtInt(f.rps), fmtInt(g.rps), `**${fmt(ratio)}×**`, byRound.length > 1 ? `${fmt(Math.min(...byRound))}–${fmt(Math.max(...byRound))}` : '—', `${f.p50} / ${f.p99}`, `${g.p50} / ${g.p99}`,
        `${fmt(f.redisPerReq, 1)} / ${fmt(g.redisPerReq, 1)}`, `${fmtInt(f.cpuUsPerReq)} / ${fmtInt(g.cpuUsPerReq)}`, `${fmtInt(f.redisCpuUsPerReq)} / ${fmtInt(g.redisCpuUsPerReq)}`, `${fmtInt(f.loadCpuUsPerReq)} / ${fmtInt(g.loadCpuUsPerReq)}`, `${fmtInt(f.corePct)} / ${fmtInt(g.corePct)}`,
        `${f.non2xx + f.errors} / ${g.non2xx + g.errors}`,
      ]);
      goals.push({ what: `${method} throughput, ${c} connections`, target: `≥ ${target}× floor`, measured: `${fmt(ratio)}×`, ok: ratio >= target, miss: ratio >= target ? undefined : below(ratio, target) });
    }
  }
  const refRows: Array<Array<string | number>> = [];
  for (const c of levels.POST) {
    const { f, g } = pair('POST', c);
    const r = runOf('POST', c, 'reference')!;
    const three = (v: (x: Run) => number) => `${fmtInt(v(f))} / ${fmtInt(v(r))} / ${fmtInt(v(g))}`;
    refRows.push([`POST ${c}`, fmtInt(f.rps), fmtInt(r.rps), fmtInt(g.rps), `${fmt(r.rps / f.rps)}×`, `${fmt(g.rps / r.rps)}×`, three((x) => x.cpuUsPerReq), three((x) => x.redisCpuUsPerReq), three((x) => x.loadCpuUsPerReq)]);
  }
  const notes: string[] = [];
  {
    // The gap in factors: gateway/floor = (reference/floor) × (gateway/reference); each factor's share of it in logs.
    const c = levels.POST[0]!;
    const { f, g } = pair('POST', c);
    const r = runOf('POST', c, 'reference')!;
    const share = Math.log(r.rps / f.rps) / Math.log(g.rps / f.rps);
    if (g.rps < f.rps && Number.isFinite(share)) {
      notes.push(`POST at ${c} connections, split: the gateway's create alone (the reference) runs at ${fmt(r.rps / f.rps)}× the floor, and the gateway at ${fmt(g.rps / r.rps)}× the reference: of the gateway's ${fmt(g.rps / f.rps)}×, the atomic create's Redis work and its client side account for ${fmtInt(Math.max(0, Math.min(1, share)) * 100)} % (as factors: log share), everything else on the submit path for the rest. The reference's Redis CPU per request is ${fmtInt(r.redisCpuUsPerReq)} µs against the floor's ${fmtInt(f.redisCpuUsPerReq)} µs, its server CPU ${fmtInt(r.cpuUsPerReq)} µs against ${fmtInt(f.cpuUsPerReq)} µs.`);
    }
  }
  for (const method of ['GET', 'POST'] as const) {
    const { f, g } = pair(method, levels[method].at(-1)!);
    const w = method === 'GET' ? wire.gatewayGET : wire.gatewayPOST;
    notes.push(`${method}: the gateway spends ${fmtInt(g.cpuUsPerReq)} µs of CPU per request against the floor's ${fmtInt(f.cpuUsPerReq)} µs (${fmt(g.cpuUsPerReq / f.cpuUsPerReq, 1)}×), and sends ${fmt(w.sent / k, 1)} commands to Redis per request (floor: 1): ${perCmd(w)}. Redis spent ${fmtInt(g.redisCpuUsPerReq)} µs of CPU per request on it (floor: ${fmtInt(f.redisCpuUsPerReq)} µs)${method === 'POST' ? ': the create is one Lua call that writes the task, its three index entries, the intake entry and the usage counters and reservation, all or nothing' : ''}. The server process ran at ${fmtInt(g.corePct)} % of one core (floor ${fmtInt(f.corePct)} %); on these 2 cores the load generator and Redis take the rest, so a request's machine-wide CPU (server + Redis + generator) is what sets both throughputs. The generator (autocannon) spent ${fmtInt(g.loadCpuUsPerReq)} µs per gateway answer against ${fmtInt(f.loadCpuUsPerReq)} µs per floor answer (the gateway's answers carry ${extraHeaders} more header lines: security headers, RateLimit-*, x-request-id).`);
  }
  return {
    id: 'S1', title: 'API path: GET and POST /v1/tasks against the floor',
    method: `autocannon, closed loop, pipelining 1: GET for ${durationS.GET} s per target at ${levels.GET.join(' and ')} connections, POST for ${ctx.quick ? `${quickPosts} requests` : `${durationS.POST} s`} per target at ${levels.POST.join(' and ')} (every POST creates a task the workers must finish afterwards), each target and method after a warm-up (${ctx.quick ? '300 requests' : '2 s at 50 connections'}). ${typeof rounds === 'number' ? 'One round per target.' : `Floor and gateway (and, for POST, the create reference) take turns in ${rounds.GET} rounds (GET) and ${rounds.POST} rounds (POST), the order flipping every round, so both see the same drift of the machine's speed; req/s = all requests of a target over all its rounds' time, latency = the median round's.`} Gateway: one \`ROLE=api\` process (no workers while measuring; tenant rate limit 100,000,000/min so the limiter runs but never refuses). Floor: bench/floor-server.ts (Fastify + ioredis; GET → one GET; POST → one SET → 202), reading the same task JSON the gateway returns; create reference: the same server's POST /floor/create, the gateway's create script with a submit's arguments → 202 with the task JSON. Both run with the Node flags the Docker image gives the gateway (\`${SERVER_NODE_FLAGS.join(' ')}\`). Redis commands per request from INFO commandstats around each run (commands inside Lua scripts count individually); CPU from /proc/<pid>/stat of the server process.`,
    tables: [{
      head: ['run (conns)', 'floor req/s', 'gateway req/s', 'gateway/floor', 'gateway/floor by round', 'floor p50/p99 ms', 'gateway p50/p99 ms', 'Redis cmds/req incl. Lua, floor/gw', 'CPU µs/req floor/gw', 'Redis CPU µs/req floor/gw', 'load generator CPU µs/req floor/gw', 'server CPU % floor/gw', 'errors floor/gw'],
      rows,
    }, {
      caption: `Redis traffic of one request (MONITOR, ${k} requests one after another, not timed): commands the server process sends, and commands its Lua scripts run inside Redis:`,
      head: ['request', 'floor', 'create reference', 'gateway', 'gateway commands sent, per request'],
      rows: [['GET', per(wire.floorGET), '—', per(wire.gatewayGET), perCmd(wire.gatewayGET)], ['POST', per(wire.floorPOST), per(wire.referencePOST), per(wire.gatewayPOST), perCmd(wire.gatewayPOST)]],
    }, {
      caption: "POST split in two, same rounds as above: the create reference is the floor's route running the gateway's create script with a submit's arguments (bench/floor-server.ts) — the gateway's Redis work with none of its other work. reference/floor is what the atomic create costs by itself; gateway/reference is what authentication, the rate limit, validation, routing, the id, the record, headers and metrics cost on top of it.",
      head: ['run (conns)', 'floor req/s', 'reference req/s', 'gateway req/s', 'reference/floor', 'gateway/reference', 'CPU µs/req floor / reference / gw', 'Redis CPU µs/req floor / reference / gw', 'load generator CPU µs/req floor / reference / gw'],
      rows: refRows,
    }],
    goals, notes,
    verified: { created: verified.created, statuses: verified.statuses, allFinal: verified.allFinal && drain.ok },
    raw: { runs, wire, drainMs: drain.at - drainFrom, drainPerSecond: drainRate },
    seconds: (Date.now() - started) / 1000,
    code: [...stage.codes],
  };
}
