/** Schemas of the operator views under `/admin`: providers with health, queue depths. Never a secret. */
import { z } from 'zod';
import { timestamp } from './common.js';

export const adminProviderSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    priority: z.number(),
    weight: z.number(),
    inFlight: z.number().describe('Slots held across every process'),
    maxConcurrency: z.number(),
    waiting: z.number().describe('Tasks waiting in line for a slot of this provider'),
    circuit: z.object({ state: z.enum(['closed', 'open', 'half_open']), openUntil: z.string().nullable(), reason: z.string().nullable() }),
    recent: z
      .object({ windowSeconds: z.number(), submits: z.number(), failures: z.number(), errorRate: z.number().nullable().describe('failures / submits; null without submits') })
      .describe("Submits in the circuit breaker's window"),
  })
  .meta({ id: 'AdminProvider' });

export const adminProviderListSchema = z.object({ data: z.array(adminProviderSchema) });

const jobCounts = z.object({ waiting: z.number(), active: z.number(), delayed: z.number(), failed: z.number() });

export const adminQueuesSchema = z
  .object({
    queues: z.array(jobCounts.extend({ name: z.string() })).describe('BullMQ queues'),
    reads: z.object({ due: z.number(), running: z.number(), scheduled: z.number() }).describe('Reads of in-flight upstream jobs'),
    waitingRoom: z.array(z.object({ provider: z.string(), tenant: z.string(), waiting: z.number(), oldestAt: timestamp.nullable() })),
    oldestWaitingSeconds: z.number().nullable().describe('Age of the oldest task waiting for a slot; null when none waits'),
  })
  .meta({ id: 'AdminQueues' });

export const orphanJobSchema = z
  .object({
    id: z.string(),
    provider: z.string(),
    upstreamId: z.string().describe("The provider's job id"),
    seenAt: timestamp,
    via: z.string().describe('How it came to light: callback (the provider called back for a job no task knows)'),
    taskId: z.string().nullable().describe('The task whose submit made it, when known'),
    tenantId: z.string().nullable(),
    action: z.string().nullable(),
    estimatedCostUsd: z.number().describe('List price of the action at the provider'),
  })
  .meta({ id: 'OrphanJob' });

export const orphanListQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const orphanListSchema = z.object({
  kept: z.number().describe('Orphan jobs kept (taskRetentionDays, at most 10,000)'),
  data: z.array(orphanJobSchema).describe('The newest first'),
});

export type AdminProvider = z.infer<typeof adminProviderSchema>;
export type AdminQueues = z.infer<typeof adminQueuesSchema>;
