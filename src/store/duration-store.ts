/**
 * How long succeeded upstream jobs ran, per provider and action: a count and a total in one hash (HINCRBY, so
 * every process adds atomically). Read through a per-process copy refreshed at most every `maxAgeMs`, so estimating
 * progress on each poll costs no Redis read.
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

export class DurationStore {
  private cache = new Map<string, number>();
  private readAt = 0;
  private reading?: Promise<void>;

  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly maxAgeMs = 30_000) {}

  /** Adds one succeeded job's run time. */
  async record(provider: string, action: string, ms: number): Promise<void> {
    const field = `${provider}|${action}`;
    await Promise.all([this.redis.hincrby(this.keys.durations, `${field}|n`, 1), this.redis.hincrby(this.keys.durations, `${field}|ms`, Math.round(ms))]);
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
