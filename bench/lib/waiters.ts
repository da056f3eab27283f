/**
 * The waiters' side of S9: held `Prefer: wait` reads, open SSE streams, and a listener on the gateway's change
 * channel (a connection of the bench's own) that tells when each final change was published and seen, so the
 * latency splits into the worker's write + publish, Redis' delivery, and the fan-out to the answers.
 */
import type { Pool } from 'undici';
import { AUTH } from './gateway.js';
import { connect } from './redis.js';

/** A final answer as it arrived here: its task, the task's `finishedAt` (ms) and the arrival time (ms). */
export interface Arrival { id: string; finishedAt: number; at: number }
export interface Held { done: Promise<Arrival | null> }

/** A held read: resolves once answered, null when the answer was not a succeeded task. */
export function holdRead(pool: Pool, id: string): Held {
  const done = pool.request({ method: 'GET', path: `/v1/tasks/${id}`, headers: { ...AUTH, prefer: 'wait=60' } }).then(async (res) => {
    const text = await res.body.text();
    const at = Date.now();
    const task = JSON.parse(text) as { status: string; finishedAt: string | null };
    return task.finishedAt && task.status === 'succeeded' ? { id, at, finishedAt: Date.parse(task.finishedAt) } : null;
  });
  return { done: done.catch(() => null) };
}

const FINAL_EVENT = /data: (\{[^\n]*"status":"succeeded"[^\n]*\})\n\n/;

/** An open stream: `opened` once its first event arrived; `done` with the final event's arrival. */
export function holdStream(pool: Pool, id: string): Held & { opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const done = pool.request({ method: 'GET', path: `/v1/tasks/${id}/events`, headers: AUTH }).then(async (res) => {
    let text = '';
    let final: Arrival | null = null;
    // Read to the end (the server ends the stream after the final event): destroying the body instead costs an
    // abort error with its stack trace per stream, which would be the bench's time, not the gateway's.
    for await (const chunk of res.body) {
      if (final) continue;
      text += (chunk as Buffer).toString();
      if (text.includes('event: task')) open();
      // Only a chunk that completes an event can complete the final one.
      const m = text.endsWith('\n\n') ? FINAL_EVENT.exec(text) : null;
      if (m) final = { id, at: Date.now(), finishedAt: Date.parse((JSON.parse(m[1]!) as { finishedAt: string }).finishedAt) };
      else if (text.length > 4096) text = text.slice(text.lastIndexOf('\n\n') + 2);
    }
    open();
    return final;
  }).catch(() => {
    open();
    return null;
  });
  return { done, opened };
}

/** When a task's final change was published (`at` in the message) and when it reached the bench. */
export interface FinalNotice { publishedAt: number; seenAt: number }

/** Listens to `<prefix>:task-changes` (message: id, version, status, publish ms, doc) for final `succeeded` changes. */
export async function listenFinals(prefix: string): Promise<{ finals: Map<string, FinalNotice>; stop(): void }> {
  const sub = connect();
  const finals = new Map<string, FinalNotice>();
  sub.on('message', (_ch: string, m: string) => {
    const seenAt = Date.now();
    const [id = '', , status, at] = m.split('\n', 4);
    if (status === 'succeeded' && !finals.has(id)) finals.set(id, { publishedAt: Number(at), seenAt });
  });
  await sub.subscribe(`${prefix}:task-changes`);
  return { finals, stop: () => sub.disconnect() };
}
