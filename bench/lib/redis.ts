/**
 * What the bench reads from Redis directly (on a connection of its own, never through the gateway): INFO sections,
 * command counts, memory, the gateway's `active` set (non-final tasks) and task statuses, and clean-up by prefix.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Redis } from 'ioredis';
import { summarize } from './stats.js';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';

export function connect(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
}

async function infoSection(r: Redis, section: string): Promise<Record<string, string>> {
  const text = await r.info(section);
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export async function serverInfo(r: Redis): Promise<{ version: string; mode: string; os: string }> {
  const s = await infoSection(r, 'server');
  return { version: s.redis_version ?? '?', mode: s.redis_mode ?? '?', os: s.os ?? '?' };
}

/** Calls per command since the server started (commands run inside Lua scripts are counted too). */
export async function commandStats(r: Redis): Promise<Record<string, number>> {
  const s = await infoSection(r, 'commandstats');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s)) {
    const calls = /calls=(\d+)/.exec(v);
    if (k.startsWith('cmdstat_') && calls) out[k.slice(8)] = Number(calls[1]);
  }
  return out;
}

export interface CommandDelta { total: number; byCommand: Array<[string, number]> }

/**
 * Commands between two snapshots. `INFO` is left out (the snapshots themselves), and `own` (calls the bench made
 * in between, e.g. its completion checks) is subtracted, so what remains is the gateway's work.
 */
export function commandDelta(before: Record<string, number>, after: Record<string, number>, own: Record<string, number> = {}): CommandDelta {
  const byCommand: Array<[string, number]> = [];
  let total = 0;
  for (const [cmd, n] of Object.entries(after)) {
    if (cmd === 'info') continue;
    const d = n - (before[cmd] ?? 0) - (own[cmd] ?? 0);
    if (d > 0) {
      byCommand.push([cmd, d]);
      total += d;
    }
  }
  byCommand.sort((a, b) => b[1] - a[1]);
  return { total, byCommand };
}

export async function usedMemory(r: Redis): Promise<number> {
  return Number((await infoSection(r, 'memory')).used_memory);
}

export async function keyMemory(r: Redis, key: string): Promise<number> {
  return Number((await r.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
}

export async function dropPrefix(r: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    if (keys.length) n += await r.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

/** Non-final tasks (the gateway's `active` sorted set: a task leaves it in the same Lua call that makes it final). */
export const activeCount = (r: Redis, prefix: string) => r.zcard(`${prefix}:active`);

export const taskIds = (r: Redis, prefix: string, tenant: string) => r.zrange(`${prefix}:tidx:${tenant}`, 0, -1);

export interface TaskRow { id: string; status: string; createdAt: number; finishedAt: number | null; upstreamId: string | null }

/** The stored documents of these tasks (pipelined in batches): one string per task, its public JSON after the second newline (src/store/task-store.ts); a hash's `doc` field for records of older versions. */
export async function readTasks(r: Redis, prefix: string, ids: string[]): Promise<TaskRow[]> {
  const out: TaskRow[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    const pipe = r.pipeline();
    for (const id of batch) pipe.get(`${prefix}:task:${id}`);
    const rows = (await pipe.exec()) ?? [];
    for (let j = 0; j < batch.length; j++) {
      const [err, value] = rows[j] ?? [null, null];
      const doc = err ? await r.hget(`${prefix}:task:${batch[j]}`, 'doc') : typeof value === 'string' ? value.slice(value.indexOf('\n', value.indexOf('\n') + 1) + 1) : null;
      if (typeof doc !== 'string') continue;
      const t = JSON.parse(doc) as { id: string; status: string; createdAt: string; finishedAt: string | null; upstreamId: string | null };
      out.push({ id: t.id, status: t.status, createdAt: Date.parse(t.createdAt), finishedAt: t.finishedAt ? Date.parse(t.finishedAt) : null, upstreamId: t.upstreamId });
    }
  }
  return out;
}

export function statusCounts(rows: TaskRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

/** Key classes under a prefix (ids replaced by `*`) with their count and bytes (MEMORY USAGE, exact). */
export async function memoryByClass(r: Redis, prefix: string): Promise<Array<{ cls: string; keys: number; bytes: number }>> {
  const classes = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 2000);
    cursor = next;
    if (keys.length === 0) continue;
    const pipe = r.pipeline();
    for (const k of keys) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const rows = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => {
      const cls = classify(k.slice(prefix.length + 1));
      const c = classes.get(cls) ?? { keys: 0, bytes: 0 };
      c.keys++;
      c.bytes += Number(rows[i]?.[1] ?? 0);
      classes.set(cls, c);
    });
  } while (cursor !== '0');
  return [...classes.entries()].map(([cls, v]) => ({ cls, ...v })).sort((a, b) => b.bytes - a.bytes);
}

function classify(key: string): string {
  return key
    .split(':')
    .map((part) => (/^tsk_/.test(part) || /^[0-9a-f-]{20,}$/i.test(part) || /^[A-Za-z0-9_-]{24,}$/.test(part) || /^\d+$/.test(part) || /^\d{4}-\d{2}-\d{2}$/.test(part) ? '*' : part.replace(/^tsk_[^-]+-/, '*-')))
    .join(':');
}

/** Ends a MONITOR connection at once (its socket first: no more lines are parsed). */
function endMonitor(monitor: Redis): void {
  monitor.removeAllListeners('monitor');
  (monitor as unknown as { stream?: { destroy(): void } }).stream?.destroy();
  monitor.disconnect();
}

export interface Traffic { sent: number; inLua: number; byCommand: Array<[string, number]> }

/**
 * Counts what clients send to Redis while `fn` runs, with MONITOR (calibration only: MONITOR slows Redis, so no
 * measured figure is taken meanwhile): commands sent by clients (each one a request on the wire, pipelined or not)
 * apart from the commands Lua scripts run. Only this database; the bench's own connection `r` is left out.
 */
export async function traffic(r: Redis, fn: () => Promise<void>): Promise<Traffic> {
  const db = String(new URL(REDIS_URL).pathname.slice(1) || '0');
  const own = `127.0.0.1:${(r as unknown as { stream: { localPort: number } }).stream.localPort}`;
  const monitor = await r.monitor();
  // Lines that arrive once it stops monitoring are read as replies to no command (an 'error'): not the bench's.
  monitor.on('error', () => undefined);
  const counts = new Map<string, number>();
  let sent = 0;
  let inLua = 0;
  monitor.on('monitor', (_time: string, args: string[], source: string, database: string) => {
    if (database !== db || source === own) return;
    if (source === 'lua') inLua++;
    else {
      sent++;
      const cmd = String(args[0]).toLowerCase();
      counts.set(cmd, (counts.get(cmd) ?? 0) + 1);
    }
  });
  try {
    await fn();
    await new Promise((res) => setTimeout(res, 200));
  } finally {
    endMonitor(monitor);
  }
  return { sent, inLua, byCommand: [...counts.entries()].sort((a, b) => b[1] - a[1]) };
}

/**
 * Commands run in this database over `ms` (MONITOR, so only for light traffic): commands sent by clients plus those
 * Lua scripts run, by command, the bench's own connection `r` left out. Unlike INFO commandstats (server-wide), other
 * users of the same Redis server in other databases are not counted. Events are taken by the server's timestamp.
 */
export async function dbCommands(r: Redis, ms: number): Promise<Traffic & { total: number; seconds: number; bySource: Map<string, number> }> {
  const db = String(new URL(REDIS_URL).pathname.slice(1) || '0');
  const own = `127.0.0.1:${(r as unknown as { stream: { localPort: number } }).stream.localPort}`;
  const monitor = await r.monitor();
  // Lines that arrive once it stops monitoring are read as replies to no command (an 'error'): not the bench's.
  monitor.on('error', () => undefined);
  const counts = new Map<string, number>();
  const bySource = new Map<string, number>();
  let sent = 0;
  let inLua = 0;
  let from = Infinity;
  let to = Infinity;
  let lastClient = '';
  monitor.on('monitor', (time: string, args: string[], source: string, database: string) => {
    const at = Number(time) * 1000;
    if (database !== db || source === own || at < from || at >= to) return;
    if (source === 'lua') inLua++;
    else sent++;
    // A script's commands are listed right after the EVALSHA that ran them: they count for the same client.
    if (source !== 'lua') lastClient = source;
    bySource.set(lastClient, (bySource.get(lastClient) ?? 0) + 1);
    const cmd = String(args[0]).toLowerCase();
    counts.set(cmd, (counts.get(cmd) ?? 0) + 1);
  });
  try {
    await new Promise((res) => setTimeout(res, 100));
    from = Date.now();
    await new Promise((res) => setTimeout(res, ms));
    to = Date.now();
    await new Promise((res) => setTimeout(res, 200));
  } finally {
    endMonitor(monitor);
  }
  return { sent, inLua, total: sent + inLua, seconds: (to - from) / 1000, byCommand: [...counts.entries()].sort((a, b) => b[1] - a[1]), bySource };
}

/** The `127.0.0.1:<port>` addresses of process `pid`'s connections to Redis (as MONITOR names its clients). */
export function redisClientsOf(pid: number): Set<string> {
  const redisPort = Number(new URL(REDIS_URL).port || 6379);
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out = new Set<string>();
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !inodes.has(f[9]!)) continue;
    const [, local] = f[1]!.split(':');
    const [, remote] = f[2]!.split(':');
    if (parseInt(remote!, 16) === redisPort) out.add(`127.0.0.1:${parseInt(local!, 16)}`);
  }
  return out;
}

/** The Redis server's pid (same machine: its CPU is read from /proc like the others'). */
export async function redisPid(r: Redis): Promise<number> {
  return Number((await infoSection(r, 'server')).process_id);
}

/** Round-trip time of a PING every 10 ms on a connection of its own: how long Redis (and the scheduler) make a client wait. */
export function pingProbe(): { stop(): Promise<number[]> } {
  const r = connect();
  const rtts: number[] = [];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const t = performance.now();
    void r.ping().then(() => rtts.push(performance.now() - t), () => undefined).finally(() => { busy = false; });
  }, 10);
  return {
    async stop() {
      clearInterval(timer);
      await r.quit();
      return rtts;
    },
  };
}

/**
 * What a system call and a wake-up of another process cost on this machine right now: PINGs to Redis on one
 * connection, one at a time (each is a socket write, Redis waking to answer, and a read), in µs. The floor pays one
 * such exchange per request on its own; the gateway shares one among every request of a loop turn. Unlike
 * `pingProbe` (a PING every 10 ms while a scenario runs), these go back to back on a quiet machine.
 */
export async function pingRoundTrip(r: Redis, n = 3000): Promise<{ p50: number; mean: number }> {
  for (let i = 0; i < 200; i++) await r.ping();
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await r.ping();
    us.push((performance.now() - t) * 1000);
  }
  const { p50, mean } = summarize(us);
  return { p50, mean };
}
