/** Starting the simulator and floor processes, and the simulator's control client. */
import { request } from 'undici';
import { guardStart, SERVER_NODE_FLAGS, startProcess, waitFor, type Proc } from './proc.js';

export const SIM_KEY = 'bench-sim-key';

export interface SimJobInfo { id: string; createdAt: number; durationMs: number; polls: number; callbackSent: boolean }
export interface SimStats { jobs: number; inFlight: number; submits: number; polls: number; callbacks: number }

export interface Sim {
  proc: Proc;
  /** The simulator's base URL (the Legnext API lives under `/api`). */
  url: string;
  control: string;
  stats(): Promise<SimStats>;
  polls(from: number, to?: number): Promise<number[]>;
  jobs(): Promise<SimJobInfo[]>;
  behaviour(b: { jobDurationMs?: number; jitterMs?: number; pendingShare?: number }): Promise<void>;
  finishAll(): Promise<number>;
  reset(): Promise<void>;
}

async function call<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await request(`${base}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${method} ${path} → ${res.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

const jsonLine = <T>(proc: Proc) => () => {
  const line = proc.lines.find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as T) : undefined;
};

export async function startSim(cpuProf: boolean): Promise<Sim> {
  const proc = startProcess('sim', 'bench/sims.ts', { SIM_KEY }, { cpuProf });
  const ports = await guardStart(proc, waitFor('the simulator', jsonLine<{ sim: number; control: number }>(proc), 20_000));
  const control = `http://127.0.0.1:${ports.control}`;
  return {
    proc, url: `http://127.0.0.1:${ports.sim}`, control,
    stats: () => call<SimStats>(control, 'GET', '/stats'),
    polls: (from, to) => call<number[]>(control, 'GET', `/polls?from=${from}${to ? `&to=${to}` : ''}`),
    jobs: () => call<SimJobInfo[]>(control, 'GET', '/jobs'),
    behaviour: async (b) => void (await call(control, 'POST', '/behaviour', b)),
    finishAll: async () => (await call<{ finished: number }>(control, 'POST', '/finish-all')).finished,
    reset: async () => void (await call(control, 'POST', '/reset')),
  };
}

export interface Floor { proc: Proc; url: string; prefix: string }

export async function startFloor(redisUrl: string, prefix: string): Promise<Floor> {
  const proc = startProcess('floor', 'bench/floor-server.ts', { FLOOR_REDIS_URL: redisUrl, FLOOR_PREFIX: prefix, PORT: '0' }, { nodeFlags: SERVER_NODE_FLAGS });
  const { port } = await guardStart(proc, waitFor('the floor server', jsonLine<{ port: number }>(proc), 20_000));
  return { proc, url: `http://127.0.0.1:${port}`, prefix };
}
