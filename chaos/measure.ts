/**
 * The figures of one phase, from what the client saw (tasks and their reads), what the simulators hold (upstream
 * jobs), what the receiver got (webhooks) and what the store says (slot holders, read through RoomStore).
 */
import { Redis } from 'ioredis';
import { createKeys } from '../src/store/keys.js';
import { RoomStore } from '../src/store/room-store.js';
import type { Received } from '../test/helpers/receiver.js';
import type { SimEntry } from './cluster.js';
import type { FaultRecord } from './faults.js';
import { FINAL, type Load, type Tracked } from './load.js';

export interface Duplicate { id: string; jobs: number; attempts: string }

export interface Pct { p50: number; p99: number; max: number }

export interface Figures {
  accepted: number;
  final: number;
  byStatus: Record<string, number>;
  byAction: Record<string, number>;
  lost: Array<{ id: string; why: string }>;
  reverted: Array<{ id: string; what: string }>;
  unacknowledged: number;
  submitStatuses: Record<string, number>;
  upstreamJobs: number;
  /** Tasks with more than one upstream job, and the extra jobs. */
  duplicates: { tasks: number; extraJobs: number; byFailover: Duplicate[]; unexplained: Duplicate[] };
  /** Upstream jobs no task owns and no task's tag names (follow-ups carry no tag). */
  unattributedJobs: number;
  leaked: { providers: Record<string, number>; tenants: Record<string, number>; tasks: string[] };
  /** `latenessMs`: arrival − finishedAt; `late` judged on that minus the Redis downtime in between (`storeLatenessMs`). */
  webhooks: { expected: number; missing: string[]; late: Array<{ id: string; ms: number; raw: number }>; latenessMs: Pct; storeLatenessMs: Pct };
  recovery: Array<FaultRecord & { firstSuccessMs: number | null }>;
}

export function pct(values: number[]): Pct {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : 0);
  return { p50: at(0.5), p99: at(0.99), max: s.length ? s[s.length - 1]! : 0 };
}

const finishedAt = (t: Tracked) => (t.last?.finishedAt ? Date.parse(t.last.finishedAt) : NaN);

/**
 * Upstream jobs per task: the job that is its upstreamId, and any other whose request carries the task's tag.
 * `failovers`: windows in which Redis may drop writes it acknowledged (a replica promoted before it had them).
 */
function duplicates(load: Load, sims: SimEntry[], failovers: Array<[number, number]>): Pick<Figures, 'upstreamJobs' | 'duplicates' | 'unattributedJobs'> {
  const byUpstream = new Map<string, Tracked>();
  const byTag = new Map<string, Tracked>();
  for (const t of load.tasks.values()) {
    if (t.last?.upstreamId) byUpstream.set(t.last.upstreamId, t);
    byTag.set(t.tag, t);
  }
  const jobs = new Map<string, number>();
  const createdAt = new Map<string, number[]>();
  let total = 0;
  let unattributed = 0;
  for (const { sim } of sims) {
    for (const job of sim.state.jobs.values()) {
      total++;
      const tag = /chaos-[a-z0-9]+-\d+/.exec(JSON.stringify(job.body))?.[0];
      const owner = byUpstream.get(job.id) ?? (tag ? byTag.get(tag) : undefined);
      if (owner) {
        jobs.set(owner.id, (jobs.get(owner.id) ?? 0) + 1);
        createdAt.set(owner.id, [...(createdAt.get(owner.id) ?? []), job.createdAt]);
      } else unattributed++;
    }
  }
  let tasks = 0;
  let extraJobs = 0;
  const unexplained: Duplicate[] = [];
  const byFailover: Duplicate[] = [];
  const inFailover = (at: number) => failovers.some(([from, to]) => at >= from && at <= to);
  for (const [id, n] of jobs) {
    if (n < 2) continue;
    tasks++;
    extraJobs += n - 1;
    const attempts = load.tasks.get(id)!.last?.attempts ?? [];
    // An attempt accepted upstream, or whose answer was lost (ambiguous), may each have made one job.
    const mayHaveMade = attempts.filter((a) => a.outcome === 'accepted' || a.outcome === 'ambiguous').length;
    if (n <= mayHaveMade) continue;
    const d = { id, jobs: n, attempts: attempts.map((a) => `${a.provider}:${a.outcome}`).join(' ') };
    // A job made while the primary changed: the write recording its attempt may be one the new primary never got.
    if (createdAt.get(id)!.some(inFailover)) byFailover.push(d);
    else unexplained.push(d);
  }
  return { upstreamJobs: total, duplicates: { tasks, extraJobs, byFailover, unexplained }, unattributedJobs: unattributed };
}

/** Time of [from, to] inside the windows (Redis away), in ms. */
const overlap = (from: number, to: number, windows: Array<[number, number]>) =>
  windows.reduce((ms, [a, b]) => ms + Math.max(0, Math.min(to, b) - Math.max(from, a)), 0);

/**
 * The first webhook each task got for its final status, against the time the task became final. While Redis is away
 * (`down`) nothing can be delivered, so that time does not count towards "late".
 */
function webhooks(load: Load, received: Received[], lockMs: number, down: Array<[number, number]>): Figures['webhooks'] {
  const firstFinal = new Map<string, number>();
  for (const r of received) {
    const tag = r.path.split('/').pop()!;
    if (FINAL.has(String(r.headers['x-mjg-event'])) && !firstFinal.has(tag)) firstFinal.set(tag, r.at);
  }
  const missing: string[] = [];
  const late: Figures['webhooks']['late'] = [];
  const lateness: number[] = [];
  const storeLateness: number[] = [];
  const finals = [...load.tasks.values()].filter((t) => t.last && FINAL.has(t.last.status));
  for (const t of finals) {
    const at = firstFinal.get(t.tag);
    if (at === undefined) {
      missing.push(t.id);
      continue;
    }
    const raw = Math.max(0, at - finishedAt(t));
    const ms = Math.max(0, raw - overlap(finishedAt(t), at, down));
    lateness.push(raw);
    storeLateness.push(ms);
    if (ms > lockMs) late.push({ id: t.id, ms, raw });
  }
  return { expected: finals.length, missing, late, latenessMs: pct(lateness), storeLatenessMs: pct(storeLateness) };
}

/** Slot holders left once every task is final: each is a leak. */
async function leaks(redisUrl: string, keyPrefix: string, providers: string[], tenants: string[]): Promise<Figures['leaked']> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const held = await new RoomStore(redis, createKeys(keyPrefix)).holders(providers, tenants);
    const count = (r: Record<string, string[]>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.length]));
    return { providers: count(held.providers), tenants: count(held.tenants), tasks: [...new Set([...Object.values(held.providers), ...Object.values(held.tenants)].flat())] };
  } finally {
    redis.disconnect();
  }
}

/** Time from each fault's end to the first task that succeeded after it (on the provider of an outage). */
function recovery(load: Load, faults: FaultRecord[]): Figures['recovery'] {
  const succeeded = [...load.tasks.values()].filter((t) => t.last?.status === 'succeeded');
  return faults.map((f) => {
    const onTarget = f.kind.startsWith('provider-') ? succeeded.filter((t) => t.last!.provider === f.target) : succeeded;
    const after = onTarget.map(finishedAt).filter((at) => at >= f.endedAt);
    return { ...f, firstSuccessMs: after.length ? Math.min(...after) - f.endedAt : null };
  });
}

export async function measure(load: Load, sims: SimEntry[], received: Received[], store: { redisUrl: string; keyPrefix: string; tenants: string[] }, faults: FaultRecord[], lockMs: number): Promise<Figures> {
  const all = [...load.tasks.values()];
  const byStatus: Record<string, number> = {};
  const byAction: Record<string, number> = {};
  for (const t of all) {
    byStatus[t.last?.status ?? 'unread'] = (byStatus[t.last?.status ?? 'unread'] ?? 0) + 1;
    byAction[t.action] = (byAction[t.action] ?? 0) + 1;
  }
  return {
    accepted: all.length,
    final: all.filter((t) => t.last && FINAL.has(t.last.status)).length,
    byStatus,
    byAction,
    lost: all.filter((t) => t.missing || !t.last || !FINAL.has(t.last.status)).map((t) => ({ id: t.id, why: t.missing ? 'unknown to the API (404)' : `not final at the end: ${t.last?.status ?? 'never read'}` })),
    reverted: all.filter((t) => t.reverted).map((t) => ({ id: t.id, what: t.reverted! })),
    unacknowledged: load.unacknowledged,
    submitStatuses: Object.fromEntries([...load.submitStatuses].map(([k, v]) => [k === 0 ? 'no answer' : String(k), v])),
    // From the failover's start to one lock period after it (a job taken over then may redo a lost write's work).
    ...duplicates(load, sims, faults.filter((f) => f.kind === 'sentinel-failover').map((f) => [f.startedAt, f.endedAt + lockMs])),
    leaked: await leaks(store.redisUrl, store.keyPrefix, sims.map((s) => s.id), store.tenants),
    webhooks: webhooks(load, received, lockMs, faults.filter((f) => f.storeBackAt).map((f) => [f.startedAt, f.storeBackAt!])),
    recovery: recovery(load, faults),
  };
}

/** True when the figures break a rule the suite fails on. */
export function failures(f: Figures): string[] {
  const out: string[] = [];
  if (f.lost.length) out.push(`${f.lost.length} lost`);
  if (f.reverted.length) out.push(`${f.reverted.length} reverted`);
  if (f.leaked.tasks.length) out.push(`${f.leaked.tasks.length} tasks still hold slots`);
  if (f.webhooks.missing.length) out.push(`${f.webhooks.missing.length} final webhooks missing`);
  if (f.webhooks.late.length) out.push(`${f.webhooks.late.length} final webhooks late`);
  return out;
}
