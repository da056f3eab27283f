/**
 * The upstream for the benchmark, in its own process: the Legnext simulator (providers/legnext/simulator.ts, answers
 * with no added latency) plus a small control server on a second port with what the bench needs and the kit's
 * `/__sim/*` API does not give cheaply at 10,000 jobs:
 *   GET  /stats              jobs, in flight, submits, polls, callbacks sent
 *   GET  /polls?from&to      timestamps (ms) of every job read in [from, to)
 *   GET  /jobs               [{ id, createdAt, durationMs, polls, callbackSent }]
 *   POST /behaviour          { jobDurationMs?, jitterMs?, pendingShare? }: each job lasts jobDurationMs + U(0, jitterMs)
 *   POST /finish-all         ends every job now (its outcome as configured)
 *   POST /reset              forgets jobs and counters
 * Two changes to the kit's bookkeeping keep the simulator from becoming the bottleneck: the request log is folded
 * into counters every 100 ms (the kit keeps every request with its headers), and the in-flight count the kit takes
 * on every job creation (a walk over all jobs) is skipped — it only feeds `maxInFlight`, which the bench never reads.
 * Prints one JSON line `{"sim":port,"control":port}` when ready. Env: SIM_KEY.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLegnextSimulator } from '../providers/legnext/simulator.js';

const apiKey = process.env.SIM_KEY || 'bench-sim-key';
const sim = await startLegnextSimulator({ apiKey, port: 0, host: '127.0.0.1' });
const state = sim.state;
let jitterMs = 0;

state.inFlight = () => 0;
const create = state.createJob.bind(state);
state.createJob = (...args: Parameters<typeof create>) => {
  const job = create(...args);
  if (jitterMs > 0) job.durationMs += Math.floor(Math.random() * jitterMs);
  return job;
};

const polls: number[] = [];
let submits = 0;
const fold = () => {
  for (const r of state.requests) {
    if (r.method === 'GET' && r.path.startsWith('/api/v1/job/')) polls.push(r.at);
    else if (r.method === 'POST') submits++;
  }
  state.requests.length = 0;
};
setInterval(fold, 100).unref();

function inFlight(now = Date.now()): number {
  let n = 0;
  for (const job of state.jobs.values()) if (state.phase(job, now) !== 'done') n++;
  return n;
}

const control = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    fold();
    const url = new URL(req.url ?? '/', 'http://control');
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, number>) : {};
    let out: unknown = { error: 'unknown path' };
    let status = 200;
    if (req.method === 'GET' && url.pathname === '/stats') {
      let callbacks = 0;
      for (const job of state.jobs.values()) if (job.callbackSent) callbacks++;
      out = { jobs: state.jobs.size, inFlight: inFlight(), submits, polls: polls.length, callbacks };
    } else if (req.method === 'GET' && url.pathname === '/polls') {
      const from = Number(url.searchParams.get('from') ?? 0);
      const to = Number(url.searchParams.get('to') ?? Number.MAX_SAFE_INTEGER);
      out = polls.filter((t) => t >= from && t < to);
    } else if (req.method === 'GET' && url.pathname === '/jobs') {
      out = [...state.jobs.values()].map((j) => ({ id: j.id, createdAt: j.createdAt, durationMs: j.durationMs, polls: j.polls, callbackSent: j.callbackSent }));
    } else if (req.method === 'POST' && url.pathname === '/behaviour') {
      if (body.jitterMs !== undefined) jitterMs = body.jitterMs;
      if (body.jobDurationMs !== undefined) state.behaviour.jobDurationMs = body.jobDurationMs;
      if (body.pendingShare !== undefined) state.behaviour.pendingShare = body.pendingShare;
      out = { ...state.behaviour, jitterMs };
    } else if (req.method === 'POST' && url.pathname === '/finish-all') {
      const now = Date.now();
      let n = 0;
      for (const job of state.jobs.values()) if (state.phase(job, now) !== 'done' && state.finish(job.id)) n++;
      out = { finished: n };
    } else if (req.method === 'POST' && url.pathname === '/reset') {
      state.jobs.clear();
      polls.length = 0;
      submits = 0;
      out = { ok: true };
    } else {
      status = 404;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  });
});
await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));

process.stdout.write(`${JSON.stringify({ sim: sim.port, control: (control.address() as AddressInfo).port })}\n`);

const stop = async () => {
  control.closeAllConnections();
  control.close();
  await sim.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
