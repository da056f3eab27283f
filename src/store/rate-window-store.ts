/**
 * The per-tenant request window in Redis (script rate-window), sent in the connection's per-turn batch
 * (hot-script.ts) so a read made in the same turn shares its write. The leases built on it are services/rate-limit.ts.
 */
import type { Redis } from 'ioredis';
import { HotScript, turnBatchOf } from './hot-script.js';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { rateReturn, rateWindow, type RateWindowInput } from './scripts.js';

/** {granted, remaining, ms until a request frees up (or room appears), ms left of Redis's current second, that second}. */
export type RateWindowReply = [granted: number, remaining: number, resetMs: number, secondLeftMs: number, second: number];

export class RateWindowStore {
  private readonly script: HotScript<RateWindowInput, RateWindowReply>;

  constructor(private readonly redis: Redis, private readonly keys: Keys) {
    this.script = new HotScript(turnBatchOf(redis), keys, rateWindow);
  }

  /** Asks for `want` admissions of the tenant under `limit` per `windowSec`. */
  take(input: RateWindowInput): Promise<RateWindowReply> {
    return this.script.call(input);
  }

  /** Gives back `count` admissions counted in `second` that were never handed out. */
  giveBack(tenantId: string, second: number, count: number): Promise<number> {
    return runScript(this.redis, this.keys, rateReturn, { tenantId, second, count });
  }
}
