/**
 * The per-tenant request window in Redis (script rate-window), sent in the connection's per-turn batch
 * (hot-script.ts) so a read made in the same turn shares its write. The leases built on it are services/rate-limit.ts.
 */
import type { Redis } from 'ioredis';
import { HotScript, turnBatchOf } from './hot-script.js';
import type { Keys } from './keys.js';
import { rateWindow, type RateWindowInput } from './scripts.js';

/** {granted, remaining, ms until a request frees up (or room appears), ms left of Redis's current second}. */
export type RateWindowReply = [granted: number, remaining: number, resetMs: number, secondLeftMs: number];

export class RateWindowStore {
  private readonly script: HotScript<RateWindowInput, RateWindowReply>;

  constructor(redis: Redis, keys: Keys) {
    this.script = new HotScript(turnBatchOf(redis), keys, rateWindow);
  }

  /** Asks for `want` admissions of the tenant under `limit` per `windowSec`. */
  take(input: RateWindowInput): Promise<RateWindowReply> {
    return this.script.call(input);
  }
}
