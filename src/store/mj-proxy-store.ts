/**
 * What the midjourney-proxy ingress keeps beside the canonical tasks: MODAL steps (a button press that waits for
 * `submit/modal`, not yet a task), and reads of tasks and MODAL steps together in one MGET.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { splitRecord, type RecordParts } from './task-record.js';

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

/** One id as read: a task record (already the tenant's), a MODAL step, or nothing the tenant may see. */
export type MjRead = { record: RecordParts } | { modal: ModalStep } | null;

export class MjProxyStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys) {}

  async saveModal(step: ModalStep, ttlSec: number): Promise<void> {
    await this.redis.set(this.keys.mjModal(step.id), JSON.stringify(step), 'EX', ttlSec);
  }

  /** Records the task a MODAL step became, keeping the step's expiry. */
  async completeModal(step: ModalStep, taskId: string): Promise<void> {
    await this.redis.set(this.keys.mjModal(step.id), JSON.stringify({ ...step, taskId }), 'KEEPTTL');
  }

  /**
   * Reads tasks and MODAL steps by id in one round trip (one MGET of both key families). Another tenant's id reads
   * as null, exactly like an unknown one.
   */
  async readMany(ids: readonly string[], tenantId: string): Promise<MjRead[]> {
    if (ids.length === 0) return [];
    const keys: string[] = new Array<string>(ids.length * 2);
    ids.forEach((id, i) => {
      keys[i] = this.keys.task(id);
      keys[ids.length + i] = this.keys.mjModal(id);
    });
    const values = await this.redis.mget(keys);
    return ids.map((_, i) => {
      const rec = values[i];
      if (typeof rec === 'string') {
        const parts = splitRecord(rec);
        return parts.tenantId === tenantId ? { record: parts } : null;
      }
      const modal = values[ids.length + i];
      if (typeof modal !== 'string') return null;
      const step = JSON.parse(modal) as ModalStep;
      return step.tenantId === tenantId ? { modal: step } : null;
    });
  }
}
