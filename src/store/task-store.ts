/**
 * The task store in Redis: one string per task, a newest-first index per tenant, idempotency keys, upstream maps.
 *
 * A record is `<version>|<status>|<tenant>|<action>|<reserved micros>`, a newline, the private JSON, a newline, the
 * public JSON. The header is what the Lua scripts and the list filters read; the public JSON is the document
 * `GET /v1/tasks/{id}` sends as it is; the private JSON is compacted (`compactPrivate` in domain/task.ts); the
 * reserved amount (empty: none) is what settling the task's budget reservation reads. One string rather than a hash:
 * Redis keeps a hash with a value over 64 bytes as a hashtable, whose every field costs ~50 bytes more.
 * Records written by older versions (a hash: doc, pv, st, tn, ac, v) are still read, and rewritten in this form by
 * their next update.
 */
import type { Redis, Result } from 'ioredis';
import { compactPrivate, expandPrivate, isFinal, type TaskPrivate, type TaskRecord } from '../domain/task.js';
import type { Task, TaskStatus } from '../schemas/task.js';
import type { Keys } from './keys.js';
import { HotScript, turnBatchOf, type TurnBatch } from './hot-script.js';
import { CREATE_TASK, UPDATE_TASK } from './scripts.js';
import { reservationMember, USAGE_TTL_SEC, utcDay } from './usage-store.js';

const IDEMPOTENCY_TTL_SEC = 24 * 3600;
/** The create script's arguments are strings (see hot-script.ts). */
const IDEMPOTENCY_TTL = String(IDEMPOTENCY_TTL_SEC);
const USAGE_TTL = String(USAGE_TTL_SEC);

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgCreateTask(...args: Array<string | number>): Result<[number, string | number], Context>;
    mjgUpdateTask(...args: Array<string | number>): Result<number, Context>;
  }
}

/**
 * `doc` is the public JSON as stored, so the 202 answer can be sent without serialising the task again. `overBudget`:
 * nothing was written, the month's spent + reserved (`usedMicros`) plus this task's estimate would pass the limit.
 */
export type CreateResult =
  | { created: true; doc: string }
  | { created: false; existing: { taskId: string; bodyHash: string } }
  | { created: false; overBudget: { usedMicros: number } };

/** The budget reservation written with a new task: its estimate, the tenant's monthly limit, when the reconciler looks. */
export interface NewReservation { micros: number; limitMicros: number | null; dueAt: number }

export interface ListOptions { status?: TaskStatus; action?: string; limit: number; cursor?: string }

interface Parts { version: number; status: string; tenantId: string; action: string; pv: string; doc: string }

function split(value: string): Parts {
  const a = value.indexOf('\n');
  const b = value.indexOf('\n', a + 1);
  if (a < 0 || b < 0) throw new Error('malformed task record');
  const [v = '', status = '', tenantId = '', action = ''] = value.slice(0, a).split('|');
  return { version: Number(v), status, tenantId, action, pv: value.slice(a + 1, b), doc: value.slice(b + 1) };
}

/** What follows a record's header: the compact private JSON and the public JSON. */
const body = (rec: TaskRecord, doc: string) => `${JSON.stringify(compactPrivate(rec.priv, rec.task))}\n${doc}`;

/** A record as stored (see the file comment). */
export function encodeRecord(rec: TaskRecord, reservedMicros?: number): string {
  return `${rec.version}|${rec.task.status}|${rec.priv.tenantId}|${rec.task.action}|${reservedMicros ?? ''}\n${body(rec, JSON.stringify(rec.task))}`;
}

export function decodeRecord(value: string): TaskRecord {
  const p = split(value);
  const task = JSON.parse(p.doc) as Task;
  return { task, priv: expandPrivate(JSON.parse(p.pv) as Record<string, unknown>, p.tenantId, task), version: p.version };
}

/** The public JSON of a stored record. */
export const documentOf = (value: string) => split(value).doc;

const PIPE = 124; // '|'

/**
 * The public JSON of a stored record if the record is `tenantId`'s, else null: what a read answers, found by position
 * (the tenant is the header's third field) without splitting the record.
 */
export function documentFor(value: string, tenantId: string): string | null {
  const tenantAt = value.indexOf('|', value.indexOf('|') + 1) + 1;
  if (tenantAt === 0 || !value.startsWith(tenantId, tenantAt) || value.charCodeAt(tenantAt + tenantId.length) !== PIPE) return null;
  const b = value.indexOf('\n', value.indexOf('\n') + 1);
  if (b < 0) throw new Error('malformed task record');
  return value.slice(b + 1);
}

const isWrongType = (err: unknown) => err instanceof Error && err.message.startsWith('WRONGTYPE');

export class TaskStore {
  private readonly retentionSec: number;
  /** The request path's calls (a create, a read of one task): see hot-script.ts. */
  private readonly hot: TurnBatch;
  private readonly createScript: HotScript<[number, string | number]>;

  constructor(private readonly redis: Redis, private readonly keys: Keys, retentionDays: number) {
    this.retentionSec = Math.round(retentionDays * 86_400);
    redis.defineCommand('mjgCreateTask', { numberOfKeys: 9, lua: CREATE_TASK });
    redis.defineCommand('mjgUpdateTask', { numberOfKeys: 2, lua: UPDATE_TASK });
    this.hot = turnBatchOf(redis);
    this.createScript = new HotScript(this.hot, CREATE_TASK, 9, (args) => redis.mjgCreateTask(...args));
  }

  /**
   * Writes a new task in one Lua call, all or nothing: the idempotency claim, the budget reservation (when given:
   * refused past the monthly limit), the record, its indexes, and its id on the intake list.
   */
  async create(rec: TaskRecord, idem?: { keyHash: string; bodyHash: string }, reservation?: NewReservation): Promise<CreateResult> {
    const t = rec.task;
    const tenantId = rec.priv.tenantId;
    const safetyTtl = this.retentionSec + Math.ceil((rec.priv.deadlineAt - Date.now()) / 1000) + 3600;
    const doc = JSON.stringify(t);
    const value = `1|${t.status}|${tenantId}|${t.action}|${reservation ? reservation.micros : ''}\n${body(rec, doc)}`;
    const day = utcDay(t.createdAt);
    const [code, detail] = await this.createScript.call([
      this.keys.task(t.id), this.keys.tenantIndex(tenantId), this.keys.active, this.keys.unqueued,
      idem ? this.keys.idempotency(tenantId, idem.keyHash) : '', this.keys.reservations,
      this.keys.usageDay(tenantId, day), this.keys.usageMonth(tenantId, day.slice(0, 7)), this.keys.intake,
      t.id, value, String(rec.priv.deadlineAt), idem ? `${t.id}|${idem.bodyHash}` : '', IDEMPOTENCY_TTL, String(safetyTtl), String(Date.now()),
      reservation ? String(reservation.micros) : '', reservation?.limitMicros != null ? String(reservation.limitMicros) : '-1', `sub|${t.action}`, USAGE_TTL,
      reservation ? String(reservation.dueAt) : '0',
      reservation ? reservationMember({ taskId: t.id, day, micros: reservation.micros, tenantId, action: t.action }) : '',
    ]);
    if (code === 0) return { created: true, doc };
    if (code === 2) return { created: false, overBudget: { usedMicros: Number(detail) } };
    const [taskId = '', bodyHash = ''] = String(detail).split('|');
    return { created: false, existing: { taskId, bodyHash } };
  }

  /** A record of an older version (a hash), in today's shape. */
  private async legacy(id: string): Promise<TaskRecord | null> {
    const [doc, pv, v] = await this.redis.hmget(this.keys.task(id), 'doc', 'pv', 'v');
    return doc && pv && v ? { task: JSON.parse(doc) as Task, priv: JSON.parse(pv) as TaskPrivate, version: Number(v) } : null;
  }

  /** The record from a GET's answer (a WRONGTYPE error: the hash of an older version). */
  private async fromReply(id: string, err: Error | null | undefined, value: unknown): Promise<TaskRecord | null> {
    if (err) {
      if (isWrongType(err)) return this.legacy(id);
      throw err;
    }
    return typeof value === 'string' ? decodeRecord(value) : null;
  }

  /** The record, and the task marked as enqueued (its submission job is running), in one round trip. */
  async getForSubmission(id: string): Promise<TaskRecord | null> {
    const rows = (await this.redis.pipeline().get(this.keys.task(id)).zrem(this.keys.unqueued, id).exec()) ?? [];
    return this.fromReply(id, rows[0]?.[0], rows[0]?.[1]);
  }

  async get(id: string): Promise<TaskRecord | null> {
    const [err, value] = await this.redis.get(this.keys.task(id)).then((v) => [null, v] as const, (e: Error) => [e, null] as const);
    return this.fromReply(id, err, value);
  }

  /** The record, taking a provider callback's wake flag with it (the read about to be made is the one it asked for). */
  async getAndTakeWake(id: string): Promise<TaskRecord | null> {
    const rows = (await this.redis.pipeline().get(this.keys.task(id)).getdel(this.keys.wake(id)).exec()) ?? [];
    return this.fromReply(id, rows[0]?.[0], rows[0]?.[1]);
  }

  /** The public document as stored (a JSON string), only if it belongs to the tenant. */
  async getDoc(id: string, tenantId: string): Promise<string | null> {
    let value: string | null;
    try {
      value = await this.hot.send<string | null>('get', [this.keys.task(id)]);
    } catch (err) {
      if (!isWrongType(err)) throw err;
      const [doc, tn] = await this.redis.hmget(this.keys.task(id), 'doc', 'tn');
      return doc && tn === tenantId ? doc : null;
    }
    return value === null ? null : documentFor(value, tenantId);
  }

  async tenantOf(id: string): Promise<string | null> {
    try {
      const value = await this.redis.get(this.keys.task(id));
      return value === null ? null : split(value).tenantId;
    } catch (err) {
      if (!isWrongType(err)) throw err;
      return this.redis.hget(this.keys.task(id), 'tn');
    }
  }

  /**
   * Read-modify-write with a version check, retried on conflict. `fn` returns the next record, or null for
   * "no change". Returns the record as it stands afterwards and whether this call changed it; null when missing.
   */
  async update(id: string, fn: (rec: TaskRecord) => TaskRecord | null, known?: TaskRecord, tries = 40): Promise<{ rec: TaskRecord; changed: boolean } | null> {
    for (let i = 0; i < tries; i++) {
      // The caller's copy saves the first read when it is still current (the version check tells; else read anew).
      const rec = i === 0 && known ? known : await this.get(id);
      if (!rec) return null;
      if (isFinal(rec.task.status)) return { rec, changed: false };
      const next = fn(rec);
      if (!next) return { rec, changed: false };
      const final = isFinal(next.task.status);
      const v = await this.redis.mjgUpdateTask(
        this.keys.task(id), this.keys.active,
        rec.version, next.task.status, body(next, JSON.stringify(next.task)), final ? '1' : '0', this.retentionSec, id, next.priv.tenantId, next.task.action,
      );
      if (v > 0) return { rec: { ...next, version: v }, changed: true };
      if (v === -1) return null;
      // -2 (became final meanwhile) or -3 (someone else wrote): read again and let fn decide anew.
      if (i > 1) await new Promise((r) => setTimeout(r, Math.random() * 2 * i));
    }
    throw new Error(`task ${id}: too many concurrent writers`);
  }

  /** Marks a task as safely enqueued (the sweeper re-enqueues whatever stays unmarked; a running submission job marks it too). */
  async markEnqueued(id: string): Promise<void> {
    await this.redis.zrem(this.keys.unqueued, id);
  }

  /**
   * Remembers which task a provider's job belongs to: a field of the provider's hash for the day (~150 B a job,
   * against ~240 B for a key of its own), kept until retention has passed for the whole day.
   */
  async mapUpstream(providerId: string, upstreamId: string, taskId: string, now = Date.now()): Promise<void> {
    const key = this.keys.upstreamDay(providerId, new Date(now).toISOString().slice(0, 10));
    await this.redis.pipeline().hset(key, upstreamId, taskId).expire(key, this.retentionSec + 2 * 86_400).exec();
  }

  /** The task of a provider's job id, within retention (the day hashes, newest first, then the older layout). */
  async taskForUpstream(providerId: string, upstreamId: string, now = Date.now()): Promise<string | null> {
    const pipe = this.redis.pipeline();
    const days = Math.ceil(this.retentionSec / 86_400) + 2;
    for (let d = 0; d < days; d++) pipe.hget(this.keys.upstreamDay(providerId, new Date(now - d * 86_400_000).toISOString().slice(0, 10)), upstreamId);
    pipe.get(this.keys.upstream(providerId, upstreamId));
    const rows = (await pipe.exec()) ?? [];
    for (const [, v] of rows) if (typeof v === 'string') return v;
    return null;
  }

  /** A tenant's tasks, newest first. Filters are applied while paging, so a page may be short but never wrong. */
  async list(tenantId: string, opts: ListOptions): Promise<{ docs: string[]; nextCursor: string | null }> {
    const index = this.keys.tenantIndex(tenantId);
    const docs: string[] = [];
    let cursor = opts.cursor;
    const batch = Math.min(200, Math.max(opts.limit * 2, 20));
    for (let scanned = 0; scanned < 2000; ) {
      const ids = await this.redis.zrevrangebylex(index, cursor ? `(${cursor}` : '+', '-', 'LIMIT', 0, batch);
      if (ids.length === 0) return { docs, nextCursor: null };
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.get(this.keys.task(id));
      const rows = (await pipe.exec()) ?? [];
      const gone: string[] = [];
      for (let i = 0; i < ids.length; i++) {
        const [err, value] = rows[i] ?? [null, null];
        let row: { doc: string | null; st?: string | null; ac?: string | null };
        if (err) {
          if (!isWrongType(err)) throw err;
          const [doc, st, ac] = await this.redis.hmget(this.keys.task(ids[i]!), 'doc', 'st', 'ac');
          row = { doc: doc ?? null, st, ac };
        } else if (typeof value === 'string') {
          const p = split(value);
          row = { doc: p.doc, st: p.status, ac: p.action };
        } else row = { doc: null };
        cursor = ids[i]!;
        scanned++;
        if (!row.doc) {
          gone.push(cursor);
          continue;
        }
        if ((opts.status && row.st !== opts.status) || (opts.action && row.ac !== opts.action)) continue;
        docs.push(row.doc);
        if (docs.length === opts.limit) {
          if (gone.length) await this.redis.zrem(index, ...gone);
          return { docs, nextCursor: i < ids.length - 1 || ids.length === batch ? cursor : null };
        }
      }
      if (gone.length) await this.redis.zrem(index, ...gone);
      if (ids.length < batch) return { docs, nextCursor: null };
    }
    return { docs, nextCursor: cursor ?? null };
  }
}
