/**
 * Following one task from this process: the latest public document seen (from a read or a change notice), in
 * version order, until the task is final, the caller stops, or the process shuts down. `Prefer: wait` and the SSE
 * stream are both built on it.
 */
import { FINAL_STATUSES, type TaskStatus } from '../schemas/task.js';
import type { TaskStore } from '../store/task-store.js';
import type { TaskWatch } from './task-watch.js';

/** A task's public JSON at one version (the version doubles as the SSE event id). */
export interface Snapshot { doc: string; version: number; status: string }

/** Longest `Prefer: wait` honoured (seconds). */
export const MAX_WAIT_SECONDS = 60;

export const isFinalStatus = (s: string) => FINAL_STATUSES.has(s as TaskStatus);

/** The status field of a stored document, without parsing it (`status` is its third key). */
export function statusOf(doc: string): string {
  const at = doc.indexOf('"status":"') + 10;
  return doc.slice(at, doc.indexOf('"', at));
}

/** The seconds a `Prefer` header (RFC 7240) asks to wait, capped at MAX_WAIT_SECONDS; null when it asks for none. */
export function preferredWait(header: string | string[] | undefined): number | null {
  const text = Array.isArray(header) ? header.join(',') : header;
  const m = text ? /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(text) : null;
  return m ? Math.min(Number(m[1]), MAX_WAIT_SECONDS) : null;
}

export class TaskFollower {
  latest: Snapshot | null = null;
  ended = false;
  private readonly unwatch: () => void;
  private listener?: (s: Snapshot) => void;
  private readonly endListeners: Array<() => void> = [];

  constructor(watch: TaskWatch, private readonly taskId: string, private readonly tenantId: string, private readonly tasks: Pick<TaskStore, 'getVersionedDoc'>) {
    this.unwatch = watch.watch(taskId, (ev) => {
      // The change itself is the snapshot: every follower of the task shares one object (and its encoded frame).
      if (ev.type === 'change') this.offer(ev.change);
      else if (ev.type === 'resync') void this.refresh();
      else this.end();
    });
  }

  /** Reads the task now (the watch is already on, so no change can fall between); null when it is not the tenant's. */
  async refresh(): Promise<Snapshot | null> {
    const read = await this.tasks.getVersionedDoc(this.taskId, this.tenantId).catch(() => null);
    if (read) this.offer({ ...read, status: statusOf(read.doc) });
    return this.latest;
  }

  /** Calls `listener` with each newer snapshot from now on. */
  onSnapshot(listener: (s: Snapshot) => void): void {
    this.listener = listener;
  }

  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  offer(s: Snapshot): void {
    if (this.ended || (this.latest && s.version <= this.latest.version)) return;
    this.latest = s;
    this.listener?.(s);
    if (isFinalStatus(s.status)) this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unwatch();
    for (const l of this.endListeners.splice(0)) l();
  }
}

/**
 * Holds until the task is final, `seconds` pass, `abort` fires or the process shuts down; answers the latest
 * snapshot (null when the task is not the tenant's). After a submit, the read made here closes the gap between the
 * write and the watch.
 */
export async function waitForFinal(watch: TaskWatch, tasks: Pick<TaskStore, 'getVersionedDoc'>, tenantId: string, taskId: string, seconds: number, abort?: AbortSignal): Promise<Snapshot | null> {
  const f = new TaskFollower(watch, taskId, tenantId, tasks);
  const first = await f.refresh();
  if (!first || f.ended) {
    f.end();
    return f.latest;
  }
  const timer = setTimeout(() => f.end(), seconds * 1000);
  const stop = () => f.end();
  abort?.addEventListener('abort', stop, { once: true });
  await new Promise<void>((resolve) => f.onEnd(resolve));
  clearTimeout(timer);
  abort?.removeEventListener('abort', stop);
  return f.latest;
}
