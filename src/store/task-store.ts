/** The task store in Redis: one hash per task, a newest-first index per tenant, idempotency keys, upstream maps. */
import type { Redis, Result } from 'ioredis';
import { isFinal, type TaskPrivate, type TaskRecord } from '../domain/task.js';
import type { Task, TaskStatus } from '../schemas/task.js';
import type { Keys } from './keys.js';
import { CREATE_TASK, UPDATE_TASK } from './scripts.js';

const IDEMPOTENCY_TTL_SEC = 24 * 3600;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    mjgCreateTask(...args: Array<string | number>): Result<string, Context>;
    mjgUpdateTask(...args: Array<string | number>): Result<number, Context>;
  }
}

/** `doc` is the public JSON as stored, so the 202 answer can be sent without serialising the task again. */
export type CreateResult = { created: true; doc: string } | { created: false; existing: { taskId: string; bodyHash: string } };

export interface ListOptions { status?: TaskStatus; action?: string; limit: number; cursor?: string }

export class TaskStore {
  private readonly retentionSec: number;

  constructor(private readonly redis: Redis, private readonly keys: Keys, retentionDays: number) {
    this.retentionSec = Math.round(retentionDays * 86_400);
    redis.defineCommand('mjgCreateTask', { numberOfKeys: 5, lua: CREATE_TASK });
    redis.defineCommand('mjgUpdateTask', { numberOfKeys: 2, lua: UPDATE_TASK });
  }

  /** Writes a new task (and claims its idempotency key) atomically. */
  async create(rec: TaskRecord, idem?: { keyHash: string; bodyHash: string }): Promise<CreateResult> {
    const t = rec.task;
    const safetyTtl = this.retentionSec + Math.ceil((rec.priv.deadlineAt - Date.now()) / 1000) + 3600;
    const doc = JSON.stringify(t);
    const out = await this.redis.mjgCreateTask(
      this.keys.task(t.id), this.keys.tenantIndex(rec.priv.tenantId), this.keys.active, this.keys.unqueued,
      idem ? this.keys.idempotency(rec.priv.tenantId, idem.keyHash) : '',
      t.id, doc, t.status, JSON.stringify(rec.priv), rec.priv.tenantId, t.action, rec.priv.deadlineAt,
      idem ? `${t.id}|${idem.bodyHash}` : '', IDEMPOTENCY_TTL_SEC, safetyTtl, Date.now(),
    );
    if (out === '') return { created: true, doc };
    const [taskId = '', bodyHash = ''] = out.split('|');
    return { created: false, existing: { taskId, bodyHash } };
  }

  /** The record, and the task marked as enqueued (its submission job is running), in one round trip. */
  async getForSubmission(id: string): Promise<TaskRecord | null> {
    const rows = (await this.redis.pipeline().hmget(this.keys.task(id), 'doc', 'pv', 'v').zrem(this.keys.unqueued, id).exec()) ?? [];
    const [doc, pv, v] = (rows[0]?.[1] ?? []) as Array<string | null>;
    return doc && pv && v ? { task: JSON.parse(doc) as Task, priv: JSON.parse(pv) as TaskPrivate, version: Number(v) } : null;
  }

  async get(id: string): Promise<TaskRecord | null> {
    const [doc, pv, v] = await this.redis.hmget(this.keys.task(id), 'doc', 'pv', 'v');
    if (!doc || !pv || !v) return null;
    return { task: JSON.parse(doc) as Task, priv: JSON.parse(pv) as TaskPrivate, version: Number(v) };
  }

  /** The record and whether a provider callback asked for a re-read (the flag is consumed), in one round trip. */
  async getAndTakeWake(id: string): Promise<{ rec: TaskRecord | null; woken: boolean }> {
    const rows = (await this.redis.pipeline().hmget(this.keys.task(id), 'doc', 'pv', 'v').getdel(this.keys.wake(id)).exec()) ?? [];
    const [doc, pv, v] = (rows[0]?.[1] ?? []) as Array<string | null>;
    const rec = doc && pv && v ? { task: JSON.parse(doc) as Task, priv: JSON.parse(pv) as TaskPrivate, version: Number(v) } : null;
    return { rec, woken: rows[1]?.[1] != null };
  }

  /** The public document as stored (a JSON string), only if it belongs to the tenant. */
  async getDoc(id: string, tenantId: string): Promise<string | null> {
    const [doc, tn] = await this.redis.hmget(this.keys.task(id), 'doc', 'tn');
    return doc && tn === tenantId ? doc : null;
  }

  async tenantOf(id: string): Promise<string | null> {
    return this.redis.hget(this.keys.task(id), 'tn');
  }

  /**
   * Read-modify-write with a version check, retried on conflict. `fn` returns the next record, or null for
   * "no change". Returns the record as it stands afterwards and whether this call changed it; null when missing.
   */
  async update(id: string, fn: (rec: TaskRecord) => TaskRecord | null, tries = 40): Promise<{ rec: TaskRecord; changed: boolean } | null> {
    for (let i = 0; i < tries; i++) {
      const rec = await this.get(id);
      if (!rec) return null;
      if (isFinal(rec.task.status)) return { rec, changed: false };
      const next = fn(rec);
      if (!next) return { rec, changed: false };
      const final = isFinal(next.task.status);
      const v = await this.redis.mjgUpdateTask(
        this.keys.task(id), this.keys.active,
        rec.version, JSON.stringify(next.task), next.task.status, JSON.stringify(next.priv), final ? '1' : '0', this.retentionSec, id,
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

  async mapUpstream(providerId: string, upstreamId: string, taskId: string): Promise<void> {
    await this.redis.set(this.keys.upstream(providerId, upstreamId), taskId, 'EX', this.retentionSec);
  }

  async taskForUpstream(providerId: string, upstreamId: string): Promise<string | null> {
    return this.redis.get(this.keys.upstream(providerId, upstreamId));
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
      for (const id of ids) pipe.hmget(this.keys.task(id), 'doc', 'st', 'ac');
      const rows = (await pipe.exec()) ?? [];
      const gone: string[] = [];
      for (let i = 0; i < ids.length; i++) {
        const [doc, st, ac] = (rows[i]?.[1] ?? []) as Array<string | null>;
        cursor = ids[i]!;
        scanned++;
        if (!doc) {
          gone.push(cursor);
          continue;
        }
        if ((opts.status && st !== opts.status) || (opts.action && ac !== opts.action)) continue;
        docs.push(doc);
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
