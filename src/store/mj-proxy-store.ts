/**
 * What the midjourney-proxy ingress keeps beside the canonical tasks: MODAL steps (a button press that waits for
 * `submit/modal`, not yet a task), and reads of tasks and MODAL steps together in one round trip.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { HotScript, turnBatchOf, type TurnBatch } from './hot-script.js';
import { mjRead, type MjReadInput } from './scripts.js';
import { splitRecord, versionFor, type RecordParts } from './task-record.js';

/** A MODAL step: the press that opened it, until completed (then `taskId` is the task it became) or expired. */
export interface ModalStep {
  id: string;
  tenantId: string;
  /** The task whose button was pressed. */
  sourceId: string;
  customId: string;
  /** What `submit/modal` must add: a mask and prompt (inpaint), a `--zoom` prompt (zoom), a prompt (remix). */
  kind: 'inpaint' | 'zoom' | 'remix';
  /** The canonical body the step completes. */
  base: Record<string, unknown>;
  /** The source task's prompt, offered to the client to edit. */
  finalPrompt: string;
  createdAt: number;
  state?: string;
  notifyHook?: string;
  speed?: 'relax' | 'fast' | 'turbo';
  /** Set once `submit/modal` created the task. */
  taskId?: string;
}

/**
 * One id as read: a task record (already the tenant's), `unchanged` when the record is still at the version the
 * caller holds, a MODAL step, or nothing the tenant may see.
 */
export type MjRead = { record: RecordParts } | { unchanged: true } | { modal: ModalStep } | null;

const UNCHANGED = { unchanged: true } as const;

export class MjProxyStore {
  /** The request path's batch (hot-script.ts): a fetch is one GET, written with the other requests of its turn. */
  private readonly hot: TurnBatch;
  private readonly read: HotScript<MjReadInput, Array<string | null>>;

  constructor(private readonly redis: Redis, private readonly keys: Keys) {
    this.hot = turnBatchOf(redis);
    this.read = new HotScript(this.hot, keys, mjRead);
  }

  /**
   * One id: its task record (one GET, the same read as `GET /v1/tasks/{id}`), else its MODAL step. `known`: the record
   * version the caller holds (the answer is then `unchanged`, with nothing split).
   */
  async readOne(id: string, tenantId: string, known?: number): Promise<MjRead> {
    const value = await this.hot.send<string | null>('get', [this.keys.task(id)]);
    if (value === null) return this.modalOf(await this.redis.get(this.keys.mjModal(id)), tenantId);
    const version = versionFor(value, tenantId);
    if (version === null) return null;
    return version === known ? UNCHANGED : { record: splitRecord(value) };
  }

  private modalOf(json: string | null, tenantId: string): MjRead {
    if (json === null) return null;
    const step = JSON.parse(json) as ModalStep;
    return step.tenantId === tenantId ? { modal: step } : null;
  }

  async saveModal(step: ModalStep, ttlSec: number): Promise<void> {
    await this.redis.set(this.keys.mjModal(step.id), JSON.stringify(step), 'EX', ttlSec);
  }

  /** Records the task a MODAL step became, keeping the step's expiry. */
  async completeModal(step: ModalStep, taskId: string): Promise<void> {
    await this.redis.set(this.keys.mjModal(step.id), JSON.stringify({ ...step, taskId }), 'KEEPTTL');
  }

  /**
   * Reads tasks and MODAL steps by id in one round trip (one script over both key families). Another tenant's id
   * reads as null, exactly like an unknown one; `known[i]`, the record version the caller already holds for `ids[i]`,
   * spares sending that record again.
   */
  async readMany(ids: readonly string[], tenantId: string, known?: ReadonlyArray<number | undefined>): Promise<MjRead[]> {
    if (ids.length === 0) return [];
    const versions = ids.map((_, i) => (known?.[i] === undefined ? '' : String(known[i])));
    const values = await this.read.call({ ids, tenantId, known: versions });
    return values.map((v) => {
      if (typeof v !== 'string' || v === '') return null;
      if (v === '=') return UNCHANGED;
      return v.charCodeAt(0) === 123 /* { */ ? this.modalOf(v, tenantId) : { record: splitRecord(v) };
    });
  }
}
