/**
 * Child processes of a benchmark run: each is `node --import tsx <entry>` in its own process, logs to
 * bench/results/logs/<label>.log, and is stopped (SIGTERM, then SIGKILL) by `stopAll` whatever happened.
 * `cpuMs(pid)` reads utime+stime from /proc/<pid>/stat (Linux), so CPU is measured without any helper package.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RESULTS = join(ROOT, 'bench', 'results');
export const LOGS = join(RESULTS, 'logs');
export const PROF_DIR = join(RESULTS, 'prof');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Proc {
  label: string;
  pid: number;
  child: ChildProcess;
  /** Lines the process wrote to stdout so far (readiness markers). */
  lines: string[];
  exited: Promise<number | null>;
  logPath: string;
  stop(): Promise<void>;
}

const running = new Set<Proc>();

/** Variables the gateway reads as overrides: a child gets only what its caller sets, never the shell's. */
const SCRUB = ['PORT', 'HOST', 'REDIS_URL', 'PUBLIC_URL', 'ADMIN_TOKEN', 'LOG_LEVEL', 'GATEWAY_CONFIG', 'ROLE', 'NODE_OPTIONS'];

/**
 * Node flags of the servers under test: the gateway's, as the Docker image and `npm start` run it (a larger young
 * generation), and the floor's too, so the comparison stays like for like. The simulator runs with Node's defaults.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];

/**
 * `cwd`: the checkout the entry is resolved in and runs from (this one unless said otherwise: the A/B mode's other
 * gateway). `logDir`: where `<label>.log` goes (bench/results/logs unless said otherwise).
 */
export function startProcess(label: string, entry: string, env: Record<string, string>, opts: { cpuProf?: boolean; nodeFlags?: string[]; cwd?: string; logDir?: string } = {}): Proc {
  const logDir = opts.logDir ?? LOGS;
  mkdirSync(logDir, { recursive: true });
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of SCRUB) delete base[k];
  // One directory per process: Node writes a profile per thread (tsx's loader runs in a thread of its own), named
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; the main thread's is the one with thread id 0.
  const prof = opts.cpuProf ? (mkdirSync(join(PROF_DIR, label), { recursive: true }), ['--cpu-prof', `--cpu-prof-dir=${join(PROF_DIR, label)}`]) : [];
  const child = spawn(process.execPath, [...prof, ...(opts.nodeFlags ?? []), '--import', 'tsx', entry], { cwd: opts.cwd ?? ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(logDir, `${label}.log`));
  const lines: string[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => log.write(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running.delete(proc);
    log.end();
    resolve(code);
  }));
  const proc: Proc = {
    label, pid: child.pid!, child, lines, exited, logPath: join(logDir, `${label}.log`),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(12_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  running.add(proc);
  child.once('error', () => running.delete(proc));
  return proc;
}

/** Waits for `check` to return a value (not undefined/false), or throws after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (${(lastErr as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

/** Fails fast when a process dies during start-up, with the tail of its log. */
export async function guardStart<T>(proc: Proc, ready: Promise<T>): Promise<T> {
  const died = proc.exited.then((code) => {
    const tail = readTail(proc.logPath);
    throw new Error(`${proc.label} exited with code ${code} during start-up:\n${tail}`);
  });
  return Promise.race([ready, died]);
}

function readTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((p) => p.stop()));
}

// Last resort: a bench process that dies leaves no children behind.
process.once('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

let clkTck = 0;
/** Clock ticks per second of /proc/<pid>/stat times. */
export function clockTicks(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  clockTicks();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based) → indexes 11 and 12 here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clkTck;
}

/** CPU use of processes between two points: `mark()` now, `since(mark)` later → ms and share of one core. */
export function cpuMeter(pids: number[]) {
  const at = Date.now();
  const start = pids.map(cpuMs);
  return () => {
    const wall = Date.now() - at;
    return pids.map((pid, i) => {
      const ms = cpuMs(pid) - start[i]!;
      return { pid, cpuMs: Math.round(ms), wallMs: wall, corePct: Math.round((ms / Math.max(1, wall)) * 1000) / 10 };
    });
  };
}
