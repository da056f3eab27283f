/**
 * The machine while the bench runs: every process's CPU, sampled once a second from /proc, split into the
 * benchmark's own (this process, everything it started, and Redis) and everything else — so a report can say how
 * much foreign load its figures were measured under.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks } from './proc.js';

interface Sample { at: number; ours: number; others: number }

function snapshot(): Map<number, { ppid: number; ticks: number }> {
  const out = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function ourPids(snap: Map<number, { ppid: number }>, roots: number[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of snap) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const ours = new Set(roots);
  const queue = [process.pid];
  while (queue.length) {
    for (const c of children.get(queue.pop()!) ?? []) {
      if (ours.has(c)) continue;
      ours.add(c);
      queue.push(c);
    }
  }
  return ours.add(process.pid);
}

export interface HostLoad { othersCorePct: number; othersPeakPct: number; oursCorePct: number; seconds: number }

export function hostMonitor(redisPid: number) {
  const perTick = 100 / clockTicks(); // one tick over one second, as % of a core
  const samples: Sample[] = [];
  let prev = snapshot();
  let prevAt = Date.now();
  const timer = setInterval(() => {
    const cur = snapshot();
    const now = Date.now();
    const ours = ourPids(cur, [redisPid]);
    let o = 0;
    let x = 0;
    for (const [pid, { ticks }] of cur) {
      const before = prev.get(pid);
      if (!before) continue;
      if (ours.has(pid)) o += ticks - before.ticks;
      else x += ticks - before.ticks;
    }
    const secs = (now - prevAt) / 1000;
    samples.push({ at: now, ours: (o * perTick) / secs, others: (x * perTick) / secs });
    [prev, prevAt] = [cur, now];
  }, 1000);
  timer.unref();
  return {
    mark: () => Date.now(),
    since(from: number): HostLoad {
      const s = samples.filter((x) => x.at > from);
      const mean = (k: 'ours' | 'others') => (s.length ? s.reduce((a, b) => a + b[k], 0) / s.length : NaN);
      const r = (v: number) => Math.round(v * 10) / 10;
      return { othersCorePct: r(mean('others')), othersPeakPct: r(Math.max(0, ...s.map((x) => x.others))), oursCorePct: r(mean('ours')), seconds: s.length };
    },
    stop: () => clearInterval(timer),
  };
}
