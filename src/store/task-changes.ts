/**
 * The task change channel: every stored change of a task's public document is published once on
 * `<prefix>:task-changes` (by the write itself: lua/update-task-2.lua), so a process can wake all its waiters from one
 * subscription (services/task-watch.ts). Message: `<taskId>\n<version>\n<status>\n<unix ms of the write>\n<public JSON>`.
 */
import type { Keys } from './keys.js';
import { subscribe, type RedisAddress, type Subscription } from './connections.js';

/** One change as a subscriber sees it. `doc` is the task's public JSON after the change. */
export interface TaskChange { taskId: string; version: number; status: string; at: number; doc: string }

/** The task id of a message, read without splitting the rest (most messages concern no waiter of this process). */
export const changeTaskId = (message: string) => message.slice(0, message.indexOf('\n'));

export function decodeChange(message: string): TaskChange | null {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 4; i++) {
    const nl = message.indexOf('\n', from);
    if (nl < 0) return null;
    parts.push(message.slice(from, nl));
    from = nl + 1;
  }
  const [taskId = '', version, status = '', at] = parts;
  return { taskId, version: Number(version), status, at: Number(at), doc: message.slice(from) };
}

/** Subscribes to the change channel on a connection of its own. */
export function subscribeChanges(
  url: RedisAddress,
  keys: Keys,
  on: { onMessage(message: string): void; onLive?(live: boolean): void; onError?(err: Error): void },
): Subscription {
  return subscribe(url, keys.taskChanges, on);
}
