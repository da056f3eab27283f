/** The one path by which a task changes: a versioned write, then the side effects of a status change (logs, …). */
import type { Logger } from 'pino';
import { isFinal, type TaskRecord } from '../domain/task.js';
import type { TaskStore } from '../store/task-store.js';

export type TransitionListener = (rec: TaskRecord, previous: TaskRecord) => void | Promise<void>;

export class Transitions {
  private readonly listeners: TransitionListener[] = [];
  private readonly progressListeners: TransitionListener[] = [];

  /** Fills what a task gains on success (its `followUps`), set once by the runtime; identity until then. */
  onSuccess: (rec: TaskRecord) => TaskRecord = (rec) => rec;

  constructor(private readonly tasks: TaskStore, private readonly log: Logger) {}

  /** Listeners run after a status change is stored (webhooks, metrics). */
  onStatusChange(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  /** Listeners run after a change of progress alone is stored (midjourney-proxy notifyHook posts). */
  onProgressChange(listener: TransitionListener): void {
    this.progressListeners.push(listener);
  }

  /**
   * Applies `fn` with a version check; returns the record as it now stands (null when the task is gone). `known`: the
   * record as the caller last read it, tried first instead of reading it again.
   */
  async apply(taskId: string, fn: (rec: TaskRecord) => TaskRecord | null, known?: TaskRecord): Promise<{ rec: TaskRecord; changed: boolean } | null> {
    let previous: TaskRecord | undefined;
    const out = await this.tasks.update(taskId, (rec) => {
      previous = rec;
      const next = fn(rec);
      return next && next.task.status === 'succeeded' && rec.task.status !== 'succeeded' ? this.onSuccess(next) : next;
    }, known);
    if (out?.changed && previous && previous.task.status !== out.rec.task.status) {
      const t = out.rec.task;
      this.log.info({ taskId, from: previous.task.status, to: t.status, provider: t.provider, action: t.action, errorCode: t.error?.code }, 'task transition');
      let failed = false;
      for (const l of this.listeners) {
        // Each side effect stands alone: one failing (Redis blip) must not skip the others; the sweeper re-runs a
        // final task's follow-ups until they all went through (store `finals`), the slot leases repair the rest.
        try {
          await l(out.rec, previous);
        } catch (err) {
          failed = true;
          this.log.error({ taskId, err: (err as Error).message }, 'transition side effect failed');
        }
      }
      if (!failed && isFinal(t.status)) await this.tasks.finalHandled(taskId).catch(() => undefined);
    } else if (out?.changed && previous && previous.task.progress !== out.rec.task.progress) {
      for (const l of this.progressListeners) {
        try {
          await l(out.rec, previous);
        } catch (err) {
          this.log.error({ taskId, err: (err as Error).message }, 'progress side effect failed');
        }
      }
    }
    return out;
  }
}
