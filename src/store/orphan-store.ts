/**
 * Orphan upstream jobs: jobs a provider runs (and may bill) that no task knows, e.g. the first job of a submit whose
 * answer was lost and which was sent again. A bounded log (`orphans`: member → seen at; `orphanRecords`: member →
 * record), kept `retentionSec` and at most `maxEntries`; each is counted once in its tenant's usage day as
 * `orphan|<action>|<provider>` and `orphanusd|<action>|<provider>` (micro-dollars, estimated).
 */
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';
import { runScript } from './lua.js';
import { orphanRecord } from './scripts.js';
import { USAGE_TTL_SEC } from './usage-store.js';

export interface OrphanJob {
  id: string;
  provider: string;
  upstreamId: string;
  seenAt: string;
  /** How it came to light: `callback` (the provider called back for it). */
  via: string;
  taskId: string | null;
  tenantId: string | null;
  action: string | null;
  estimatedCostUsd: number;
}

/** Usage fields of orphan jobs, in a tenant's day hash. */
export const orphanFields = (action: string, provider: string) => ({ count: `orphan|${action}|${provider}`, cost: `orphanusd|${action}|${provider}` });

export class OrphanStore {
  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly retentionSec: number, private readonly maxEntries = 10_000) {}

  /** Records a job once (by provider and upstream id); `day` is the usage day it counts in. True when it is new. */
  async record(job: OrphanJob, micros: number, day: string): Promise<boolean> {
    const now = Date.parse(job.seenAt);
    const fields = job.tenantId && job.action ? orphanFields(job.action, job.provider) : undefined;
    const out = await runScript(this.redis, this.keys, orphanRecord, {
      member: `${job.provider}|${job.upstreamId}`, record: JSON.stringify(job), now, oldestKept: now - this.retentionSec * 1000, maxEntries: this.maxEntries,
      ...(fields ? { usage: { tenantId: job.tenantId!, day, countField: fields.count, costField: fields.cost, micros, ttlSec: USAGE_TTL_SEC } } : {}),
    });
    return out === 1;
  }

  /** The most recent orphan jobs, newest first. */
  async recent(limit: number): Promise<OrphanJob[]> {
    const members = await this.redis.zrevrange(this.keys.orphans, 0, limit - 1);
    if (members.length === 0) return [];
    const rows = await this.redis.hmget(this.keys.orphanRecords, ...members);
    return rows.flatMap((r) => (r ? [JSON.parse(r) as OrphanJob] : []));
  }

  /** How many are kept. */
  count(): Promise<number> {
    return this.redis.zcard(this.keys.orphans);
  }
}
