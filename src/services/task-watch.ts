/**
 * One subscription per process to the task change channel, fanned out in memory to every waiter of this process
 * (`Prefer: wait`, SSE streams). Redis work is one message per change, whatever the number of waiters.
 */
import type { Logger } from 'pino';
import type { RedisAddress, Subscription } from '../store/connections.js';
import type { Keys } from '../store/keys.js';
import { changeTaskId, decodeChange, subscribeChanges, type TaskChange } from '../store/task-changes.js';

/**
 * What a watcher is told: a change of its task; `resync` after the subscription was down (changes may have been
 * missed: read the task again); `closed` when the process shuts down (answer now and end).
 */
export type WatchEvent = { type: 'change'; change: TaskChange } | { type: 'resync' } | { type: 'closed' };
export type Watcher = (event: WatchEvent) => void;

/** How long the subscription stays open after its last watcher left (a burst of short waits reuses it). */
const IDLE_MS = 30_000;

export class TaskWatch {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private url?: RedisAddress;
  private sub?: Subscription;
  private idle?: NodeJS.Timeout;
  private wasLive = false;
  private closed = false;

  constructor(private readonly keys: Keys, private readonly log: Logger) {}

  /**
   * Remembers where to subscribe. The subscription itself opens with the first watcher and closes IDLE_MS after the
   * last one leaves: a process nobody waits on receives no change messages at all (they carry whole documents).
   */
  start(redisUrl: RedisAddress): void {
    this.url = redisUrl;
  }

  private subscribe(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    if (this.sub || !this.url || this.closed) return;
    const sub = subscribeChanges(this.url, this.keys, {
      onMessage: (m) => this.dispatch(m),
      onLive: (live) => {
        if (this.sub !== sub) return;
        // Live for the first time, or again after a drop: changes may have passed unseen, so every watcher re-reads.
        if (live && !this.wasLive) this.broadcast({ type: 'resync' });
        this.wasLive = live;
      },
      onError: (err) => this.log.warn({ err: err.message }, 'task change subscription error'),
    });
    this.sub = sub;
    sub.ready.catch((err: Error) => this.log.warn({ err: err.message }, 'task change subscription not ready'));
  }

  private unsubscribeWhenIdle(): void {
    if (this.idle || !this.sub) return;
    this.idle = setTimeout(() => {
      this.idle = undefined;
      const sub = this.sub;
      if (this.watchers.size > 0 || !sub) return;
      this.sub = undefined;
      this.wasLive = false;
      void sub.close();
    }, IDLE_MS);
    this.idle.unref();
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
    this.subscribe();
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(taskId) === set) this.watchers.delete(taskId);
      if (this.watchers.size === 0) this.unsubscribeWhenIdle();
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
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    await this.sub?.close();
    this.sub = undefined;
  }
}
