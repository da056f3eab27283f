/**
 * CPU profiles (BENCH_CPU_PROF=1 starts every gateway process with --cpu-prof into bench/results/prof/): self time by
 * function and by area (a package in node_modules, a folder of src/, Node internals, GC), as shares of busy time.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROF_DIR, RESULTS, ROOT } from './proc.js';

interface ProfNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface CpuProfile { nodes: ProfNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface ProfileSummary {
  label: string;
  wallMs: number;
  busyMs: number;
  /** Share of busy time in socket writes done inline (libuv's try-write: the write syscall itself). */
  socketWritesPct: number;
  functions: Array<{ name: string; ms: number; pct: number }>;
  areas: Array<{ name: string; ms: number; pct: number }>;
}

const SOCKET_WRITES = new Set(['writeUtf8String', 'writeLatin1String', 'writeBuffer', 'writev', 'writeAsciiString', 'writeUcs2String']);

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const local = url.replace(`file://${ROOT}`, '');
  const m = /^\/?(src|providers)\/([^/]+)/.exec(local);
  return m ? `${m[1]}/${m[2]}` : local;
}

function top(map: Map<string, number>, busy: number, n: number) {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((us / busy) * 1000) / 10 }));
}

export function summarizeProfile(label: string, path: string, n = 12): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let writes = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    if (!url && SOCKET_WRITES.has(functionName)) writes += us;
    const file = url.replace(`file://${ROOT}`, '').replace(/^.*node_modules\//, '');
    const name = `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + us);
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  return {
    label, wallMs: Math.round((p.endTime - p.startTime) / 1000), busyMs: Math.round(busy / 1000), socketWritesPct: Math.round((writes / busy) * 1000) / 10,
    functions: top(fns, busy, n), areas: top(areas, busy, n),
  };
}

/** Summaries of the main thread's profile of every process in bench/results/prof/<label>/. */
export function summarizeAll(): ProfileSummary[] {
  if (!existsSync(PROF_DIR)) return [];
  const out: ProfileSummary[] = [];
  for (const label of readdirSync(PROF_DIR)) {
    const main = readdirSync(join(PROF_DIR, label)).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    if (main) out.push(summarizeProfile(label, join(PROF_DIR, label, main)));
  }
  return out;
}

const PROFILE_JSON = join(RESULTS, 'profile.json');

export interface ProfileRun { command: string; date: string; commit: string; profiles: ProfileSummary[] }

export function saveProfiles(run: ProfileRun): void {
  writeFileSync(PROFILE_JSON, `${JSON.stringify(run, null, 2)}\n`);
}

export function loadProfiles(): ProfileRun | null {
  return existsSync(PROFILE_JSON) ? (JSON.parse(readFileSync(PROFILE_JSON, 'utf8')) as ProfileRun) : null;
}

/** Markdown for the report: per process, the top areas and functions by self time. */
export function profileMarkdown(data: ProfileRun, sameRun: boolean): string[] {
  const out = ['## CPU profiles (what the gateway spends its time on)', ''];
  out.push(sameRun
    ? 'Profiled in this run (`BENCH_CPU_PROF=1`, which slows the processes a little; the figures above include that).'
    : `From a separate profiled run (\`${data.command}\`, ${data.date}, commit ${data.commit}); the figures above were measured without the profiler.`, '');
  out.push('Self time includes start-up (modules loaded through tsx). "Socket writes" is the time spent in the write system calls Node makes inline when it sends to a socket (`writeUtf8String`, `writev`, `writeBuffer`): one per Redis command or HTTP answer that is not batched with others.', '');
  for (const p of data.profiles) {
    out.push(`**${p.label}** — ${(p.busyMs / 1000).toFixed(1)} s busy of ${(p.wallMs / 1000).toFixed(1)} s profiled; socket writes ${p.socketWritesPct} % of busy time.`, '');
    out.push('| area (self time) | ms | % busy | | function (self time) | ms | % busy |', '| --- | --- | --- | --- | --- | --- | --- |');
    const rows = Math.max(p.areas.length, p.functions.length);
    for (let i = 0; i < rows; i++) {
      const a = p.areas[i];
      const f = p.functions[i];
      out.push(`| ${a ? `${a.name} | ${a.ms} | ${a.pct}` : ' | | '} | | ${f ? `\`${f.name}\` | ${f.ms} | ${f.pct}` : ' | | '} |`);
    }
    out.push('');
  }
  return out;
}
