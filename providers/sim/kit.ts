/**
 * What every provider simulator shares: a real HTTP server, a job clock (pending → running → done), queued faults,
 * a log of what the gateway sent, and a control API (`/__sim/*`) so tests, the demo and benchmarks in other
 * processes can steer it. Each provider adds only its wire format on top (see `../<type>/simulator.ts`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { fileFor, FILE_PATH, servedUrls } from './files.js';

/** How a job ends. `never` keeps it running forever; `vanish` makes the job unknown (404) after submit. */
export type Outcome =
  | { kind: 'succeed' }
  | { kind: 'fail'; message: string; code?: number | string; content?: boolean }
  | { kind: 'never' }
  | { kind: 'vanish' };

/** A fault served instead of the normal answer, `times` times (default 1). */
export interface Fault {
  on: 'submit' | 'poll' | 'any';
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Never answer (until the client gives up). */
  hang?: boolean;
  /** Answer 200 with a body that is not JSON. */
  malformed?: boolean;
  /** With reset/hang on submit: create the job first (the upstream accepted it, the answer was lost). */
  acceptFirst?: boolean;
  times?: number;
}

export interface Behaviour {
  /** Delay before each answer. */
  latencyMs: number;
  /** Time from submit to the job's end. */
  jobDurationMs: number;
  /** Share of the duration spent pending before running. */
  pendingShare: number;
  outcome: Outcome;
}

export interface SimJob {
  id: string;
  action: string;
  body: Record<string, unknown>;
  createdAt: number;
  durationMs: number;
  outcome: Outcome;
  callback?: string;
  callbackSent: boolean;
  polls: number;
  /** Provider-specific extras (e.g. a parent id, a MODAL step). */
  extra: Record<string, unknown>;
}

export interface RecordedRequest { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: unknown; at: number }

export type JobPhase = 'pending' | 'running' | 'done';

export const DEFAULT_BEHAVIOUR: Behaviour = { latencyMs: 0, jobDurationMs: 200, pendingShare: 0.25, outcome: { kind: 'succeed' } };

/**
 * Prompt directives let a human steer a single job from a curl line: `[sim:fail]`, `[sim:banned]`, `[sim:never]`,
 * `[sim:slow]` (ten times the duration).
 */
export function outcomeFromText(text: string | undefined, fallback: Outcome): { outcome: Outcome; slow: boolean } {
  const t = text ?? '';
  const slow = t.includes('[sim:slow]');
  if (t.includes('[sim:banned]')) return { outcome: { kind: 'fail', message: 'Banned Prompt: the prompt was refused by moderation', code: 10000, content: true }, slow };
  if (t.includes('[sim:fail]')) return { outcome: { kind: 'fail', message: 'Generation process failed', code: 500 }, slow };
  if (t.includes('[sim:never]')) return { outcome: { kind: 'never' }, slow };
  return { outcome: fallback, slow };
}

export class SimState {
  behaviour: Behaviour = { ...DEFAULT_BEHAVIOUR };
  readonly jobs = new Map<string, SimJob>();
  readonly requests: RecordedRequest[] = [];
  faults: Fault[] = [];
  /** Output files are served by this simulator (`/files/...`) instead of pointing at a CDN that does not exist. */
  serveFiles = false;
  /** Size of each served image file (bytes, padded PNG); 0: a small picture. */
  fileBytes = 0;
  /** Files are sent half, then held until `releaseFiles()` (a download cut off mid-body). */
  stallFiles = false;
  /** Downloads held so far. */
  stalledFiles = 0;
  private fileWaiters: Array<() => void> = [];

  /** Resolves when held downloads may finish. */
  heldFile(): Promise<void> {
    this.stalledFiles++;
    return new Promise((resolve) => this.fileWaiters.push(resolve));
  }

  releaseFiles(): void {
    this.stallFiles = false;
    for (const release of this.fileWaiters.splice(0)) release();
  }
  /** Jobs in flight at once (started, not done), for concurrency assertions. */
  maxInFlight = 0;

  reset(): void {
    this.behaviour = { ...DEFAULT_BEHAVIOUR };
    this.jobs.clear();
    this.requests.length = 0;
    this.faults = [];
    this.maxInFlight = 0;
  }

  takeFault(on: 'submit' | 'poll'): Fault | undefined {
    const i = this.faults.findIndex((f) => f.on === on || f.on === 'any');
    if (i < 0) return undefined;
    const fault = this.faults[i]!;
    const left = (fault.times ?? 1) - 1;
    if (left <= 0) this.faults.splice(i, 1);
    else this.faults[i] = { ...fault, times: left };
    return fault;
  }

  createJob(action: string, body: Record<string, unknown>, text: string | undefined, callback?: string, id: string = randomUUID()): SimJob {
    const { outcome, slow } = outcomeFromText(text, this.behaviour.outcome);
    const job: SimJob = {
      id, action, body, createdAt: Date.now(), outcome, callback, callbackSent: false, polls: 0, extra: {},
      durationMs: this.behaviour.jobDurationMs * (slow ? 10 : 1),
    };
    this.jobs.set(job.id, job);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight());
    return job;
  }

  phase(job: SimJob, now = Date.now()): JobPhase {
    if (job.outcome.kind === 'never') return now - job.createdAt < job.durationMs * this.behaviour.pendingShare ? 'pending' : 'running';
    const elapsed = now - job.createdAt;
    if (elapsed >= job.durationMs) return 'done';
    return elapsed < job.durationMs * this.behaviour.pendingShare ? 'pending' : 'running';
  }

  /** 0–100 progress by the clock. */
  progress(job: SimJob, now = Date.now()): number {
    const phase = this.phase(job, now);
    if (phase === 'done') return 100;
    if (phase === 'pending') return 0;
    return Math.min(99, Math.floor(((now - job.createdAt) / job.durationMs) * 100));
  }

  inFlight(now = Date.now()): number {
    let n = 0;
    for (const job of this.jobs.values()) if (this.phase(job, now) !== 'done') n++;
    return n;
  }

  /** Ends a job now with its outcome (or the given one). */
  finish(id: string, outcome?: Outcome): SimJob | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (outcome) job.outcome = outcome;
    if (job.outcome.kind === 'never') job.outcome = { kind: 'succeed' };
    job.durationMs = Math.max(0, Date.now() - job.createdAt);
    return job;
  }
}

export interface SimRequest { method: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers']; body: unknown; rawBody: string }
export interface SimReply { status: number; body?: unknown; headers?: Record<string, string> }
export type SimHandler = (req: SimRequest, state: SimState) => SimReply | Promise<SimReply>;

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly state: SimState;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, reply: SimReply, files?: string): void {
  let payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  if (files) payload = servedUrls(payload, files);
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(payload);
}

/** Control API shared by every simulator: behaviour, faults, request log, forced endings, reset. */
async function control(req: SimRequest, state: SimState): Promise<SimReply> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (req.method === 'GET' && req.path === '/__sim/requests') return { status: 200, body: state.requests };
  if (req.method === 'GET' && req.path === '/__sim/stats') {
    return { status: 200, body: { jobs: state.jobs.size, inFlight: state.inFlight(), maxInFlight: state.maxInFlight, requests: state.requests.length } };
  }
  if (req.method === 'POST' && req.path === '/__sim/behaviour') {
    state.behaviour = { ...state.behaviour, ...(body as Partial<Behaviour>) };
    return { status: 200, body: state.behaviour };
  }
  if (req.method === 'POST' && req.path === '/__sim/faults') {
    const list = Array.isArray(body) ? (body as Fault[]) : [body as unknown as Fault];
    state.faults.push(...list);
    return { status: 200, body: { queued: state.faults.length } };
  }
  if (req.method === 'POST' && req.path === '/__sim/reset') {
    state.reset();
    return { status: 200, body: { ok: true } };
  }
  const finish = /^\/__sim\/jobs\/([^/]+)\/finish$/.exec(req.path);
  if (req.method === 'POST' && finish) {
    const job = state.finish(decodeURIComponent(finish[1]!), body.outcome as Outcome | undefined);
    return job ? { status: 200, body: { id: job.id } } : { status: 404, body: { error: 'no such job' } };
  }
  return { status: 404, body: { error: 'unknown control path' } };
}

export interface StartOptions {
  port?: number;
  host?: string;
  /** Called with each job that has ended and has a callback URL; the provider decides the body. */
  onJobDone?: (job: SimJob, state: SimState) => { url: string; body: unknown } | undefined;
  /** Serve output files over HTTP (see SimState.serveFiles). */
  serveFiles?: boolean;
}

/** Starts a simulator: `handler` answers the provider's own paths; faults, latency and control are handled here. */
export async function startSimulator(handler: SimHandler, opts: StartOptions = {}): Promise<Simulator> {
  const state = new SimState();
  state.serveFiles = opts.serveFiles ?? false;
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawBody = await readBody(req);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const simReq: SimRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, rawBody };
    if (simReq.path.startsWith('/__sim/')) return send(res, await control(simReq, state));
    if (simReq.method === 'GET' && FILE_PATH.test(simReq.path)) return fileFor(simReq.path, state, res);
    const files = state.serveFiles ? `http://${req.headers.host ?? '127.0.0.1'}` : undefined;

    state.requests.push({ method: simReq.method, path: simReq.path, headers: req.headers, body: body ?? rawBody, at: Date.now() });
    if (state.behaviour.latencyMs > 0) await sleep(state.behaviour.latencyMs);
    const fault = state.takeFault(simReq.method === 'POST' ? 'submit' : 'poll');
    if (fault && !fault.acceptFirst) return serveFault(fault, res);
    try {
      const reply = await handler(simReq, state);
      if (fault) return serveFault(fault, res);
      send(res, reply, files);
    } catch (err) {
      send(res, { status: 500, body: { code: 500, message: `simulator error: ${(err as Error).message}` } });
    }
  };
  // A request that fails before its handler runs (the client went away mid-body) is dropped with its socket.
  const server: Server = createServer((req, res) => void serve(req, res).catch(() => res.destroy()));
  server.keepAliveTimeout = 60_000;

  const callbackTimer = opts.onJobDone ? setInterval(() => deliverCallbacks(state, opts.onJobDone!), 10) : undefined;
  callbackTimer?.unref();

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    close: async () => {
      if (callbackTimer) clearInterval(callbackTimer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serveFault(fault: Fault, res: ServerResponse): void {
  if (fault.reset) {
    res.socket?.destroy();
    return;
  }
  if (fault.hang) return; // the client's timeout ends it
  if (fault.malformed) {
    res.writeHead(fault.status ?? 200, { 'content-type': 'application/json', ...fault.headers });
    res.end('{"status": "compl');
    return;
  }
  send(res, { status: fault.status ?? 500, body: fault.body ?? { code: fault.status ?? 500, message: 'simulated fault' }, headers: fault.headers });
}

function deliverCallbacks(state: SimState, build: NonNullable<StartOptions['onJobDone']>): void {
  const now = Date.now();
  for (const job of state.jobs.values()) {
    if (job.callbackSent || !job.callback || state.phase(job, now) !== 'done' || job.outcome.kind === 'vanish') continue;
    job.callbackSent = true;
    const cb = build(job, state);
    if (!cb) continue;
    fetch(cb.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cb.body) }).catch(() => undefined);
  }
}

/** Reads a bearer token or a named header for simulator auth checks. */
export function credential(headers: IncomingMessage['headers'], header: 'authorization' | 'x-api-key'): string | undefined {
  const raw = headers[header];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  return header === 'authorization' ? value.replace(/^Bearer\s+/i, '') : value;
}
