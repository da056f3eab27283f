/** Schemas of `GET /v1/usage` and `GET /v1/tasks/{id}/deliveries`. */
import { z } from 'zod';
import { timestamp } from './common.js';
import { isRealDateTime } from '../domain/time.js';

const DAY = /^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
const day = z
  .string()
  .max(40)
  .regex(DAY, 'use a date, YYYY-MM-DD (a date-time is cut to its UTC day)')
  .refine(isRealDateTime, 'not a real date (check the month has that day)')
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s).toISOString().slice(0, 10));

export const usageQuerySchema = z.strictObject({
  from: day.optional().describe('First UTC day, inclusive (default: the first day of this month)'),
  to: day.optional().describe('Last UTC day, inclusive (default: today); at most 366 days after from'),
});

const counts = {
  succeeded: z.number(), failed: z.number(), canceled: z.number(), costUsd: z.number(),
  canceledCostUsd: z.number().describe('The part of costUsd charged for tasks canceled while their provider ran them (the provider bills at submit)'),
};
const orphans = {
  orphanJobs: z.number().describe('Upstream jobs the provider ran that no task knows (a submit whose answer was lost, sent again), by the day of their task'),
  orphanCostUsd: z.number().describe('Their estimated price (list price of the action): not charged to the tenant, not in costUsd'),
};

export const usageSchema = z
  .object({
    from: z.string().meta({ format: 'date' }).describe('First UTC day of the report, YYYY-MM-DD'),
    to: z.string().meta({ format: 'date' }).describe('Last UTC day of the report, YYYY-MM-DD'),
    totals: z.object({ submitted: z.number(), ...counts, ...orphans, reservedUsd: z.number().describe('Estimates held by tasks not finished yet') }),
    byAction: z.record(z.string(), z.object({ submitted: z.number(), ...counts })),
    byProvider: z.record(z.string(), z.object({ ...counts, ...orphans })).describe('"(none)" holds tasks that ended before any provider took them'),
    budget: z.object({
      month: z.string().describe('The current UTC month, YYYY-MM'),
      monthlyBudgetUsd: z.number().nullable(),
      spentUsd: z.number(),
      reservedUsd: z.number(),
      remainingUsd: z.number().nullable(),
    }),
  })
  .meta({ id: 'Usage' });

const attemptSchema = z.object({
  n: z.number(),
  at: timestamp,
  statusCode: z.number().nullable().describe('The receiver\'s HTTP status; null when no answer came (error says why)'),
  error: z.string().nullable(),
  durationMs: z.number(),
});

export const deliverySchema = z
  .object({
    id: z.string().describe('X-MJG-Event-Id: the same on every attempt'),
    seq: z.number(),
    type: z.enum(['running', 'succeeded', 'failed', 'canceled', 'progress']).describe('progress: a midjourney-proxy notifyHook post of a progress change or of SUBMITTED'),
    url: z.string(),
    createdAt: timestamp,
    state: z.enum(['pending', 'delivered', 'failed']).describe('failed: not delivered within webhooks.maxAgeMs'),
    deliveredAt: timestamp.nullable(),
    nextAttemptAt: timestamp.nullable(),
    attempts: z.array(attemptSchema),
  })
  .meta({ id: 'WebhookDelivery' });

export const deliveryListSchema = z.object({ data: z.array(deliverySchema) });
