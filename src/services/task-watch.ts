/**
 * One subscription per process to the task change channel, fanned out in memory to every waiter of this process
 * (`Prefer: wait`, SSE streams). Redis work is one message per change, whatever the number of waiters.
 */
import type { Logger } from 'pino';
import type { Subscription } from '../store/connections.js';
import type { Keys } from '../store/keys.js';
import { changeTaskId, decodeChange, subscribeChanges, type TaskChange } from '../store/task-changes.js';

/**
 * What a watcher is told: a change of its task; `resync` after the subscription was down (changes may have been
 * missed: read the task again); `closed` when the process shuts down (answer now and end).
 */
export type WatchEvent = { type: 'change'; change: TaskChange } | { type: 'resync' } | { type: 'closed' };
export type Watcher = (event: WatchEvent) => void;

export class TaskWatch {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private sub?: Subscription;
  private wasLive = false;
  private closed = false;

  constructor(private readonly keys: Keys, private readonly log: Logger) {}

  async start(redisUrl: string): Promise<void> {
    this.sub = subscribeChanges(redisUrl, this.keys, {
      onMessage: (m) => this.dispatch(m),
      onLive: (live) => {
        if (live && !this.wasLive) this.broadcast({ type: 'resync' });
        this.wasLive = live;
      },
      onError: (err) => this.log.warn({ err: err.message }, 'task change subscription error'),
    });
    await this.sub.ready;
  }

  /** True while changes are being received (a waiter that started while down re-reads at its end). */
  get live(): boolean {
    return this.sub?.live === true;
  }

  /** Number of watchers (metrics, tests). */
  get size(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  /** Calls `watcher` on every change of `taskId` until the returned function is called. */
  watch(taskId: string, watcher: Watcher): () => void {
    if (this.closed) {
      queueMicrotask(() => watcher({ type: 'closed' }));
      return () => undefined;
    }
    let set = this.watchers.get(taskId);
    if (!set) this.watchers.set(taskId, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(taskId) === set) this.watchers.delete(taskId);
    };
  }

  private dispatch(message: string): void {
    const set = this.watchers.get(changeTaskId(message));
    if (!set) return;
    const change = decodeChange(message);
    if (!change) return;
    for (const w of [...set]) w({ type: 'change', change });
  }

  private broadcast(event: WatchEvent): void {
    for (const set of [...this.watchers.values()]) for (const w of [...set]) w(event);
  }

  /** Tells every watcher to finish, then drops the subscription. */
  async close(): Promise<void> {
    this.closed = true;
    this.broadcast({ type: 'closed' });
    this.watchers.clear();
    await this.sub?.close();
  }
}
