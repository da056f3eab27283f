/**
 * What every provider simulator shares: a real HTTP server, a job clock (pending → running → done), queued faults,
 * a log of what the gateway sent, and a control API (`/__sim/*`) so tests, the demo and benchmarks in other
 * processes can steer it. Each provider adds only its wire format on top (see `../<type>/simulator.ts`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileFor, FILE_PATH, servedUrls } from './files.js';
import { SimState, type Behaviour, type Fault, type Outcome, type SimJob } from './state.js';

export * from './state.js';

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
