/**
 * How long succeeded upstream jobs ran, per provider and action: a count and a total in one hash (HINCRBY, so
 * every process adds atomically). Read through a per-process copy refreshed at most every `maxAgeMs`, so estimating
 * progress on each poll costs no Redis read. Written in batches: a process adds up its jobs and sends the sums every
 * `flushMs` (two HINCRBY per kind, not per job); a crash loses at most that much of a running average.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

export class DurationStore {
  private cache = new Map<string, number>();
  private readAt = 0;
  private reading?: Promise<void>;

  private pending = new Map<string, { n: number; ms: number }>();
  private flushTimer?: NodeJS.Timeout;
  private readonly sent = new Set<string>();

  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly maxAgeMs = 30_000, private readonly flushMs = 1000) {}

  /** Adds one succeeded job's run time (sent with the next batch). */
  record(provider: string, action: string, ms: number): void {
    this.add(`${provider}|${action}`, 1, Math.round(ms));
  }

  private add(field: string, n: number, ms: number): void {
    const sum = this.pending.get(field);
    if (sum) [sum.n, sum.ms] = [sum.n + n, sum.ms + ms];
    else this.pending.set(field, { n, ms });
    // A kind this process has not sent yet goes at once: the first mean of a kind should not wait for a batch.
    const now = !this.sent.has(field);
    if (this.flushTimer && !now) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => void this.flush().catch(() => undefined), now ? 0 : this.flushMs).unref();
  }

  /** Sends the batch now (also on shutdown). A batch Redis did not take is added back to the next. */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    for (const field of batch.keys()) this.sent.add(field);
    let results: Array<[Error | null, unknown]> | null = null;
    try {
      const p = this.redis.pipeline();
      for (const [field, { n, ms }] of batch) p.hincrby(this.keys.durations, `${field}|n`, n).hincrby(this.keys.durations, `${field}|ms`, ms);
      results = await p.exec();
    } catch {
      // Not connected: the batch waits for the next flush.
    }
    if (!results || results.some(([err]) => err)) {
      // Only the sums Redis did not add go back (a pipeline can fail part-way).
      [...batch].forEach(([field, { n, ms }], i) => this.add(field, !results || results[2 * i]?.[0] ? n : 0, !results || results[2 * i + 1]?.[0] ? ms : 0));
      throw new Error('run times not recorded; kept for the next batch');
    }
  }

  /** The mean run time in ms, or undefined before any job of that kind succeeded. */
  async average(provider: string, action: string, now = Date.now()): Promise<number | undefined> {
    const field = `${provider}|${action}`;
    // A kind not seen yet is looked for again sooner: its first success should count within a second.
    if (now - this.readAt > (this.cache.has(field) ? this.maxAgeMs : 1000)) {
      this.reading ??= this.refresh(now).finally(() => (this.reading = undefined));
      await this.reading;
    }
    return this.cache.get(field);
  }

  private async refresh(now: number): Promise<void> {
    const all = await this.redis.hgetall(this.keys.durations);
    const next = new Map<string, number>();
    for (const [field, value] of Object.entries(all)) {
      if (!field.endsWith('|n')) continue;
      const base = field.slice(0, -2);
      const n = Number(value);
      const ms = Number(all[`${base}|ms`]);
      if (n > 0 && ms > 0) next.set(base, ms / n);
    }
    this.cache = next;
    this.readAt = now;
  }
}
