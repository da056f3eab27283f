/**
 * The chaos run's client: submits a steady mix of tasks (imagine pinned to each provider or routed freely,
 * follow-ups on finished grids, some that fail upstream), each with a webhook and an Idempotency-Key it reuses until
 * the gateway acknowledges it, and keeps reading tasks back to see every status a task shows (a final one that later
 * reads differently is a revert).
 */
import { sleep } from '../bench/lib/proc.js';

export const FINAL = new Set(['succeeded', 'failed', 'canceled']);

export interface TaskView { id: string; status: string; action: string; provider: string | null; upstreamId: string | null; finishedAt: string | null; attempts: Array<{ provider: string; outcome: string }> }

export interface Tracked {
  id: string;
  tag: string;
  key: string;
  action: string;
  acceptedAt: number;
  last?: TaskView;
  firstFinal?: { status: string; at: number };
  /** What a read showed after the task was final with another status. */
  reverted?: string;
  /** 404 after acceptance. */
  missing?: boolean;
}

export interface HttpCall { status: number; body: unknown }

/** One HTTP call that never throws: status 0 when no answer came (refused, reset, timed out). */
export async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}, timeoutMs = 10_000): Promise<HttpCall> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}

export class Load {
  readonly tasks = new Map<string, Tracked>();
  /** Submit answers by status (0: no answer), retries included. */
  readonly submitStatuses = new Map<number, number>();
  /** Submits that were never acknowledged (gave up after the retry deadline). */
  unacknowledged = 0;
  private n = 0;
  private stopped = false;

  constructor(private readonly apiUrl: () => string, private readonly hookUrl: string, private readonly runId: string, private readonly keys: string[], private readonly providers: string[]) {}

  /** The body of the next task: mostly imagines (a quarter routed freely), some follow-ups, some failing upstream. */
  private next(): { body: Record<string, unknown>; key: string; tag: string } {
    const i = this.n++;
    const tag = `chaos-${this.runId}-${i}`;
    const key = this.keys[i % this.keys.length]!;
    const callbackUrl = `${this.hookUrl}/hook/${tag}`;
    const parents = [...this.tasks.values()].filter((t) => t.action === 'imagine' && t.firstFinal?.status === 'succeeded' && t.key === key);
    if (i % 5 === 3 && parents.length) {
      const parent = parents[Math.floor(Math.random() * parents.length)]!;
      const action = i % 2 ? 'upscale' : 'variation';
      return { tag, key, body: { action, taskId: parent.id, index: 1 + (i % 4), callbackUrl, metadata: { tag } } };
    }
    const fail = i % 25 === 7 ? ' [sim:fail]' : '';
    const pin = i % 4 === 0 ? {} : { provider: this.providers[i % this.providers.length] };
    return { tag, key, body: { action: 'imagine', prompt: `${tag} a lighthouse at dawn${fail}`, callbackUrl, metadata: { tag }, ...pin } };
  }

  /** Submits one task, retrying with the same Idempotency-Key until acknowledged (or `deadlineMs` passes). */
  async submitOne(deadlineMs = 180_000): Promise<void> {
    const { body, key, tag } = this.next();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': tag };
    for (const end = Date.now() + deadlineMs; Date.now() < end; await sleep(300)) {
      const res = await call(`${this.apiUrl()}/v1/tasks`, { method: 'POST', headers, body: JSON.stringify(body) });
      this.submitStatuses.set(res.status, (this.submitStatuses.get(res.status) ?? 0) + 1);
      const task = res.body as TaskView | undefined;
      if ((res.status === 202 || res.status === 200) && task?.id) {
        if (!this.tasks.has(task.id)) this.tasks.set(task.id, { id: task.id, tag, key, action: String(body.action), acceptedAt: Date.now() });
        this.observe(task);
        return;
      }
    }
    this.unacknowledged++;
  }

  /** Submits `perSecond` tasks a second until `stop()`. */
  async run(perSecond: number): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (!this.stopped) {
      const p = this.submitOne().finally(() => inFlight.delete(p));
      inFlight.add(p);
      await sleep(1000 / perSecond);
    }
    await Promise.all(inFlight);
  }

  stop(): void {
    this.stopped = true;
  }

  /** Records what a read showed; a final task that reads otherwise later is a revert. */
  observe(view: TaskView, at = Date.now()): void {
    const t = this.tasks.get(view.id);
    if (!t) return;
    t.last = view;
    if (t.firstFinal && view.status !== t.firstFinal.status) t.reverted ??= `${t.firstFinal.status} → ${view.status}`;
    if (!t.firstFinal && FINAL.has(view.status)) t.firstFinal = { status: view.status, at };
  }

  /** Reads tasks back (`ids`, 8 at a time); a 404 marks a task missing. */
  async read(ids: string[]): Promise<void> {
    let i = 0;
    const one = async () => {
      while (i < ids.length) {
        const t = this.tasks.get(ids[i++]!)!;
        const res = await call(`${this.apiUrl()}/v1/tasks/${t.id}`, { headers: { authorization: `Bearer ${t.key}` } });
        if (res.status === 200) {
          t.missing = false;
          this.observe(res.body as TaskView);
        } else if (res.status === 404) t.missing = true;
      }
    };
    await Promise.all(Array.from({ length: 8 }, one));
  }

  /** Keeps reading unfinished tasks, and a sample of finished ones, until `stop()` and `until()` say so. */
  async watch(until: () => boolean): Promise<void> {
    while (!until()) {
      const all = [...this.tasks.values()];
      const open = all.filter((t) => !t.firstFinal).map((t) => t.id);
      const done = all.filter((t) => t.firstFinal).map((t) => t.id).sort(() => Math.random() - 0.5).slice(0, 20);
      await this.read([...open, ...done]);
      await sleep(1000);
    }
  }

  unfinished(): Tracked[] {
    return [...this.tasks.values()].filter((t) => !t.firstFinal);
  }
}
