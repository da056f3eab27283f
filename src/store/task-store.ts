/**
 * The task store in Redis: one string per task (format: task-record.ts), a newest-first index per tenant, the
 * sweeper's worklists (`active`, `unqueued`), the intake list, idempotency keys, upstream maps, callback tokens and
 * wake flags.
 */
import type { Redis } from 'ioredis';
import { isFinal, type TaskRecord } from '../domain/task.js';
import type { TaskStatus } from '../schemas/task.js';
import { HotScript, turnBatchOf, type TurnBatch } from './hot-script.js';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { createTask, updateTask, type ProviderSlots } from './scripts.js';
import { decodeRecord, documentFor, encodeBody, encodeRecord, splitRecord, waitsInLine } from './task-record.js';
import { utcDay } from '../domain/time.js';
import { taskIdFloor } from '../domain/ids.js';
import { reservationMember, USAGE_TTL_SEC } from './usage-store.js';

const IDEMPOTENCY_TTL_SEC = 24 * 3600;

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

/** `from` / `to`: creation time bounds (unix ms, inclusive). */
export interface ListOptions { status?: TaskStatus; action?: string; limit: number; cursor?: string; from?: number; to?: number }

export class TaskStore {
  private readonly retentionSec: number;
  /** The request path's calls (a create, a read of one task): see hot-script.ts. */
  private readonly hot: TurnBatch;
  private readonly createScript: HotScript<Parameters<typeof createTask.build>[1], [number, string | number]>;
  /** Every configured provider's slots, freed in the write that takes a task off the upstream (none: not freed here). */
  private slotProviders: ProviderSlots[] | undefined;
  /** Replicas that must hold a new task before it is acknowledged (0: none; Sentinel deployments ask for 1). */
  private replicasToConfirm = 0;
  /** Whether final writes go on the follow-up worklist (a runtime with follow-up listeners sets it). */
  private trackFinals = false;

  constructor(private readonly redis: Redis, private readonly keys: Keys, retentionDays: number) {
    this.retentionSec = Math.round(retentionDays * 86_400);
    this.hot = turnBatchOf(redis);
    this.createScript = new HotScript(this.hot, keys, createTask);
  }

  /**
   * Writes a new task in one Lua call, all or nothing: the idempotency claim, the budget reservation (when given:
   * refused past the monthly limit), the record, its indexes, and its id on the intake list.
   */
  async create(rec: TaskRecord, idem?: { keyHash: string; bodyHash: string }, reservation?: NewReservation): Promise<CreateResult> {
    const t = rec.task;
    const tenantId = rec.priv.tenantId;
    const now = Date.now();
    const doc = JSON.stringify(t);
    const day = utcDay(t.createdAt);
    const [code, detail] = await this.createScript.call({
      taskId: t.id, tenantId, deadlineAt: rec.priv.deadlineAt, now,
      record: encodeRecord(rec, { doc, reservedMicros: reservation?.micros }), // a new task's version is 1
      recordTtlSec: this.retentionSec + Math.ceil((rec.priv.deadlineAt - now) / 1000) + 3600,
      idempotency: idem && { keyHash: idem.keyHash, value: `${t.id}|${idem.bodyHash}`, ttlSec: IDEMPOTENCY_TTL_SEC },
      reservation: reservation && {
        ...reservation, day, usageTtlSec: USAGE_TTL_SEC, countField: `sub|${t.action}`,
        member: reservationMember({ taskId: t.id, day, micros: reservation.micros, tenantId, action: t.action }),
      },
    });
    if (code === 2) return { created: false, overBudget: { usedMicros: Number(detail) } };
    // A replay acknowledges the task as much as a create does: its first try may have been refused for want of a replica.
    if (!(await this.replicated())) {
      throw new Error('NOREPLICAS the task is not on a replica yet (Redis may be failing over); retry with the same Idempotency-Key');
    }
    if (code === 0) return { created: true, doc };
    const [taskId = '', bodyHash = ''] = String(detail).split('|');
    return { created: false, existing: { taskId, bodyHash } };
  }

  /** The record, and the task marked as enqueued (its submission job is running), in one round trip. */
  async getForSubmission(id: string): Promise<TaskRecord | null> {
    const [value] = await Promise.all([this.redis.get(this.keys.task(id)), this.redis.zrem(this.keys.unqueued, id)]);
    return value === null ? null : decodeRecord(value);
  }

  async get(id: string): Promise<TaskRecord | null> {
    const value = await this.redis.get(this.keys.task(id));
    return value === null ? null : decodeRecord(value);
  }

  /** The record, taking a provider callback's wake flag with it (the read about to be made is the one it asked for). */
  async getAndTakeWake(id: string): Promise<TaskRecord | null> {
    const [value] = await Promise.all([this.redis.get(this.keys.task(id)), this.redis.getdel(this.keys.wake(id))]);
    return value === null ? null : decodeRecord(value);
  }

  /** The public document as stored (a JSON string), only if it belongs to the tenant. */
  async getDoc(id: string, tenantId: string): Promise<string | null> {
    const value = await this.hot.send<string | null>('get', [this.keys.task(id)]);
    return value === null ? null : documentFor(value, tenantId);
  }

  /** The public document and the record's version (an event id), only if the task is the tenant's. */
  async getVersionedDoc(id: string, tenantId: string): Promise<{ doc: string; version: number } | null> {
    const value = await this.hot.send<string | null>('get', [this.keys.task(id)]);
    const doc = value === null ? null : documentFor(value, tenantId);
    return doc === null ? null : { doc, version: Number(value!.slice(0, value!.indexOf('|'))) };
  }

  /** `getDoc`, and whether the task waits in line for a slot (its place is then worth looking up). */
  async readDoc(id: string, tenantId: string): Promise<{ doc: string; inLine: boolean } | null> {
    const value = await this.hot.send<string | null>('get', [this.keys.task(id)]);
    const doc = value === null ? null : documentFor(value, tenantId);
    return doc === null ? null : { doc, inLine: waitsInLine(value!) };
  }

  async tenantOf(id: string): Promise<string | null> {
    const value = await this.redis.get(this.keys.task(id));
    return value === null ? null : splitRecord(value).tenantId;
  }

  /** From now on, a status change off the upstream frees the task's slots (and place in line) in the same write. */
  releaseSlotsOnLeave(providers: ProviderSlots[]): void {
    this.slotProviders = providers;
  }

  /**
   * A new task is acknowledged only once `replicas` replicas hold it (WAIT, up to 1 s); else `create` throws a
   * NOREPLICAS error (the API answers 503 and the client retries with its Idempotency-Key). With Sentinel, a write
   * the old primary took just before a failover is otherwise lost with it.
   */
  confirmCreates(replicas: number): void {
    this.replicasToConfirm = replicas;
  }

  /** With `confirmCreates` on: whether the replicas hold every write made so far (WAIT, up to 1 s); else true. */
  async replicated(): Promise<boolean> {
    return this.replicasToConfirm === 0 || (await this.redis.wait(this.replicasToConfirm, 1000)) >= this.replicasToConfirm;
  }

  /** From now on, a final write also lists the task in `finals` until `finalHandled` (its follow-ups have run). */
  trackFinalFollowUps(): void {
    this.trackFinals = true;
  }

  /** The follow-ups of a task's final transition have all run. */
  async finalHandled(id: string): Promise<void> {
    await this.redis.zrem(this.keys.finals, id);
  }

  /** Tasks that ended before `before` whose follow-ups were never confirmed (a crash right after the final write). */
  finalsBefore(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.finals, '-inf', before, 'LIMIT', 0, limit);
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
      const doc = JSON.stringify(next.task);
      const now = Date.now();
      const v = await runScript(this.redis, this.keys, updateTask, {
        taskId: id, expectedVersion: rec.version, status: next.task.status, body: encodeBody(next, doc), final: isFinal(next.task.status), retentionSec: this.retentionSec,
        release: this.slotProviders && { providers: this.slotProviders, now }, trackFinal: this.trackFinals,
        drain: next.task.status === 'canceled' && next.priv.draining ? { until: next.priv.deadlineAt } : undefined,
        // Only a change the client can see is announced (the private part changes more often).
        announceAt: next.task !== rec.task ? now : undefined,
      });
      if (v > 0) {
        return { rec: { ...next, version: v }, changed: true };
      }
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

  /** Tasks written before `before` whose submission job never ran (the sweeper adds their jobs). */
  unqueuedBefore(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.unqueued, '-inf', before, 'LIMIT', 0, limit);
  }

  /** Non-final tasks whose deadline is past. */
  overdue(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.active, '-inf', now, 'LIMIT', 0, limit);
  }

  /** The non-final tasks with the earliest deadlines (the oldest in flight). */
  oldestActive(limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.active, 0, limit - 1);
  }

  /** Drops a task from the deadline worklist (its record is gone). */
  async dropActive(id: string): Promise<void> {
    await this.redis.zrem(this.keys.active, id);
  }

  /** Removes index entries of tasks older than `floorId` (past retention) from a tenant's index. */
  async trimIndex(tenantId: string, floorId: string): Promise<void> {
    await this.redis.zremrangebylex(this.keys.tenantIndex(tenantId), '-', `(${floorId}`);
  }

  /**
   * Remembers which task a provider's job belongs to: a field of the provider's hash for the day (~150 B a job,
   * against ~240 B for a key of its own), kept until retention has passed for the whole day.
   */
  async mapUpstream(providerId: string, upstreamId: string, taskId: string, now = Date.now()): Promise<void> {
    const key = this.keys.upstreamDay(providerId, utcDay(now));
    await Promise.all([this.redis.hset(key, upstreamId, taskId), this.redis.expire(key, this.retentionSec + 2 * 86_400)]);
  }

  /** The task of a provider's job id, within retention (the day hashes, newest first). */
  async taskForUpstream(providerId: string, upstreamId: string, now = Date.now()): Promise<string | null> {
    const days = Math.ceil(this.retentionSec / 86_400) + 2;
    const found = await Promise.all(Array.from({ length: days }, (_, d) => this.redis.hget(this.keys.upstreamDay(providerId, utcDay(now - d * 86_400_000)), upstreamId)));
    return found.find((v) => v !== null) ?? null;
  }

  /** Registers a provider callback's token for a task, until `ttlSec`. */
  async saveCallback(token: string, providerId: string, taskId: string, ttlSec: number): Promise<void> {
    await this.redis.set(this.keys.callback(token), `${providerId}|${taskId}`, 'EX', ttlSec);
  }

  /** The provider and task a callback token was issued for, or null. */
  async callbackTarget(token: string): Promise<{ providerId: string; taskId: string } | null> {
    const value = await this.redis.get(this.keys.callback(token));
    const [providerId, taskId] = value?.split('|') ?? [];
    return providerId && taskId ? { providerId, taskId } : null;
  }

  /** Remembers the job id a callback on `token` named, until `ttlSec`. */
  async saveCallbackJob(token: string, jobId: string, ttlSec: number): Promise<void> {
    await this.redis.set(this.keys.callbackJob(token), jobId, 'EX', ttlSec);
  }

  /** The job id the latest callback on `token` named, or null. */
  callbackJob(token: string): Promise<string | null> {
    return this.redis.get(this.keys.callbackJob(token));
  }

  /** Leaves the flag that makes the task's next read immediate (read by the poll schedule's scripts). */
  async flagWake(taskId: string, ttlSec: number): Promise<void> {
    await this.redis.set(this.keys.wake(taskId), '1', 'EX', ttlSec);
  }

  /** A tenant's tasks, newest first. Filters are applied while paging, so a page may be short but never wrong. */
  async list(tenantId: string, opts: ListOptions): Promise<{ docs: string[]; nextCursor: string | null }> {
    const index = this.keys.tenantIndex(tenantId);
    const docs: string[] = [];
    // Ids sort by creation time: the time bounds are bounds of the index's lex range.
    const top = opts.to === undefined ? undefined : taskIdFloor(opts.to + 1);
    let cursor = top !== undefined && (opts.cursor === undefined || top < opts.cursor) ? top : opts.cursor;
    const bottom = opts.from === undefined ? '-' : `[${taskIdFloor(opts.from)}`;
    const batch = Math.min(200, Math.max(opts.limit * 2, 20));
    for (let scanned = 0; scanned < 2000; ) {
      const ids = await this.redis.zrevrangebylex(index, cursor ? `(${cursor}` : '+', bottom, 'LIMIT', 0, batch);
      if (ids.length === 0) return { docs, nextCursor: null };
      const values = await this.redis.mget(ids.map((id) => this.keys.task(id)));
      const gone: string[] = [];
      for (let i = 0; i < ids.length; i++) {
        const value = values[i];
        cursor = ids[i]!;
        scanned++;
        if (typeof value !== 'string') {
          gone.push(cursor);
          continue;
        }
        const p = splitRecord(value);
        if ((opts.status && p.status !== opts.status) || (opts.action && p.action !== opts.action)) continue;
        docs.push(p.doc);
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
