/** The public task API's schemas: the submit body (one shape per action) and the Task document. */
import { z } from 'zod';
import { ACTIONS, ERROR_CLASSES, SPEEDS, type CanonicalRequest } from '../../providers/types.js';
import { catalogueSchemas, SOURCE_XOR, videoOptions } from './catalogue.js';
import { TASK_ERROR_CODES } from '../errors.js';
import { httpUrl, imageRef, timestamp } from './common.js';
import { isRealDateTime } from '../domain/time.js';

/** The task events a webhook can carry. */
export const WEBHOOK_EVENT_TYPES = ['running', 'succeeded', 'failed', 'canceled'] as const;

const url = httpUrl;
const image = imageRef;
const index = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)], { error: 'index must be 1, 2, 3 or 4 (the grid image number)' });
// Checked after trimming: the pattern says a prompt of white space alone is refused.
const prompt = z.string().trim().min(1, 'prompt must not be empty').max(8192, 'prompt must be at most 8192 characters').meta({ pattern: '\\S' });
const taskId = z.string().regex(/^tsk_[0-9A-Za-z]{26,40}$/, 'taskId must be a task id from this gateway (tsk_...)');

export const METADATA_MAX_BYTES = 4096;

/** JSON Schema cannot bound the size of a value's JSON: the limit is stated in words and as `x-max-json-bytes`. */
export const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= METADATA_MAX_BYTES, 'metadata must be at most 4 KiB of JSON')
  .meta({ 'x-max-json-bytes': METADATA_MAX_BYTES });

const common = {
  callbackUrl: url.optional().describe('Webhook target for running, succeeded, failed and canceled'),
  provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).optional().describe('Pin a root task to one provider id'),
  speed: z.enum(SPEEDS).optional(),
  metadata: metadataSchema.optional().describe('Echoed back on the task: at most 4 KiB (4,096 bytes) as compact UTF-8 JSON'),
  webhookEvents: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(4).optional().describe('Only these events are sent to the webhook (default: all four)'),
};

const polygon = z.strictObject({
  width: z.number().int().min(500).max(4096),
  height: z.number().int().min(500).max(4096),
  points: z
    .array(z.number().int().min(0))
    .min(6)
    .refine((p) => p.length % 2 === 0, 'points are X,Y pairs')
    // JSON Schema has no word for an even count: the description says it.
    .describe('X,Y pairs (an even count: at least 3 points), clockwise from the top-left, in canvas pixels'),
});
const mask = z.union([z.strictObject({ url: image }), z.strictObject({ areas: z.array(polygon).min(1).max(20) })], {
  error: 'mask must be { url } or { areas: [{ width, height, points }] }',
});

export const submitSchemas = {
  imagine: z.strictObject({ action: z.literal('imagine'), prompt, imageUrls: z.array(image).min(1).max(5).optional(), ...common }),
  variation: z.strictObject({ action: z.literal('variation'), taskId, index, strength: z.enum(['subtle', 'strong']).optional(), prompt: prompt.optional(), ...common }),
  upscale: z.strictObject({ action: z.literal('upscale'), taskId, index, mode: z.enum(['subtle', 'creative']).optional(), ...common }),
  reroll: z.strictObject({ action: z.literal('reroll'), taskId, ...common }),
  remix: z.strictObject({ action: z.literal('remix'), taskId, index, prompt, strength: z.enum(['strong', 'subtle']).optional(), ...common }),
  pan: z.strictObject({
    action: z.literal('pan'), taskId, index, direction: z.enum(['up', 'down', 'left', 'right']),
    scale: z.number().min(1.1).max(3.0).optional(), prompt: prompt.optional(), ...common,
  }),
  zoom: z.strictObject({ action: z.literal('zoom'), taskId, index, scale: z.number().min(1.1).max(2.0).optional(), prompt: prompt.optional(), ...common }),
  inpaint: z.strictObject({ action: z.literal('inpaint'), taskId, index, mask, prompt: prompt.optional(), ...common }),
  blend: z.strictObject({ action: z.literal('blend'), imageUrls: z.array(image).min(2).max(5), aspectRatio: z.enum(['2:3', '1:1', '3:2']).optional(), ...common }),
  describe: z.strictObject({ action: z.literal('describe'), imageUrl: image, ...common }),
  shorten: z.strictObject({ action: z.literal('shorten'), prompt, ...common }),
  video: z
    .strictObject({
      action: z.literal('video'), taskId: taskId.optional(), index: index.optional(), imageUrl: image.optional(),
      prompt: prompt.optional(), resolution: z.enum(['480p', '720p']).optional(), ...videoOptions, ...common,
    })
    .refine((v) => (v.taskId !== undefined && v.index !== undefined) !== (v.imageUrl !== undefined), 'video needs either taskId + index, or imageUrl')
    .meta(SOURCE_XOR),
  ...catalogueSchemas({ url: image, index, prompt, taskId, mask, common }),
} as const;

export const submitBodySchema = z
  .discriminatedUnion('action', Object.values(submitSchemas) as unknown as [typeof submitSchemas.imagine, ...Array<(typeof submitSchemas)[keyof typeof submitSchemas]>], {
    error: (issue) => (issue.code === 'invalid_union' ? `action must be one of: ${ACTIONS.join(', ')}` : undefined),
  })
  .meta({ id: 'SubmitTask' });

export type SubmitBody = z.infer<typeof submitBodySchema>;

// Compile-time check: every accepted body is a canonical request once the envelope fields are removed.
type Envelope = 'callbackUrl' | 'provider' | 'metadata' | 'webhookEvents';
type Strip<T> = T extends unknown ? Omit<T, Envelope> : never;
type _Check = Strip<SubmitBody> extends CanonicalRequest ? true : never;
export const _bodyIsCanonical: _Check = true;

export const TASK_STATUSES = ['queued', 'submitted', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'canceled']);

const upstreamErrorSchema = z.object({ status: z.number().nullable(), code: z.union([z.string(), z.number()]).nullable(), message: z.string().nullable() });

export const taskErrorSchema = z
  .object({
    code: z.enum(TASK_ERROR_CODES),
    message: z.string(),
    provider: z.string().nullable(),
    upstream: upstreamErrorSchema.nullable(),
  })
  .meta({ id: 'TaskError' });

/** An attempt's error class: a provider error's class, or `job_failed` when a job its provider accepted failed there. */
export const ATTEMPT_ERROR_CLASSES = [...ERROR_CLASSES, 'job_failed'] as const;

export const attemptSchema = z
  .object({
    provider: z.string(),
    at: timestamp,
    outcome: z.enum(['accepted', 'rejected', 'error', 'ambiguous']),
    error: z.object({ class: z.enum(ATTEMPT_ERROR_CLASSES), message: z.string(), upstream: upstreamErrorSchema.nullable() }).nullable(),
  })
  .meta({ id: 'TaskAttempt' });

export const outputSchema = z.object({
  gridImageUrl: z.string().nullable(),
  imageUrls: z.array(z.string()),
  videoUrls: z.array(z.string()),
  prompts: z.array(z.string()),
  seed: z.string().nullable(),
  upstream: z
    .object({ gridImageUrl: z.string().nullable(), imageUrls: z.array(z.string()), videoUrls: z.array(z.string()) })
    .optional()
    .describe("With media mirroring: the provider's own URLs (the ones above are the gateway's copies)"),
  mirrorError: z.string().optional().describe('Why some files could not be mirrored (those keep their upstream URL)'),
  texts: z
    .object({ description: z.string().optional(), promptEn: z.string().optional(), finalPrompt: z.string().optional() })
    .optional()
    .describe('Describe / shorten: every other text the provider returned (description, promptEn, finalPrompt)'),
}).meta({ id: 'TaskOutput' });

const LIVE_STATUSES = ['queued', 'submitted', 'running'] as const;

/** One Task shape per kind of status: what `output`, `error` and `finishedAt` hold then. */
function taskVariant<S extends z.ZodType, O extends z.ZodType, E extends z.ZodType, F extends z.ZodType>(status: S, output: O, error: E, finishedAt: F) {
  return z.object({
    id: z.string(),
    action: z.enum(ACTIONS),
    status,
    progress: z.number(),
    progressEstimated: z.literal(true).optional().describe("Present when progress is estimated from the provider's mean run time for the action (it reports none)"),
    provider: z.string().nullable(),
    upstreamId: z.string().nullable(),
    parentId: z.string().nullable(),
    input: submitBodySchema.describe('The submit body as accepted (image data URLs replaced by links to the stored images; metadata is on the task)'),
    output,
    error,
    cost: z.object({ amountUsd: z.number(), reported: z.boolean() }).nullable(),
    attempts: z.array(attemptSchema),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: timestamp,
    updatedAt: timestamp,
    submittedAt: timestamp.nullable(),
    finishedAt,
    followUps: z
      .array(z.object({ action: z.enum(ACTIONS), index: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional() }))
      .optional()
      .describe('Follow-ups its provider can run on this task now (empty until succeeded), e.g. {action: "upscale", index: 1}'),
    queue: z
      .object({
        position: z.number().int().describe("1: the next of this tenant's tasks to get a slot"),
        ahead: z.number().int().describe("Estimate of the tasks (every tenant's) that get a slot before this one; tenants take turns"),
      })
      .optional()
      .describe('Only on GET /v1/tasks/{id} of a task waiting in line for a provider slot'),
  });
}

// What each status guarantees is stated where it is a value; a field that is always null there stays nullable, because
// openapi-fetch's response types drop a property typed `null` alone (openapi-ts/openapi-typescript#2717).
const output = outputSchema.nullable();
const error = taskErrorSchema.nullable();
/** A task not final yet (output and error come with the end). */
export const liveTaskSchema = taskVariant(z.enum(LIVE_STATUSES), output, error, timestamp.nullable()).meta({ id: 'LiveTask' });
export const succeededTaskSchema = taskVariant(z.literal('succeeded'), outputSchema, error, timestamp).meta({ id: 'SucceededTask' });
export const failedTaskSchema = taskVariant(z.literal('failed'), output, taskErrorSchema, timestamp).meta({ id: 'FailedTask' });
export const canceledTaskSchema = taskVariant(z.literal('canceled'), output, taskErrorSchema, timestamp).meta({ id: 'CanceledTask' });

/** The Task document, one shape per kind of status: `output` when succeeded, `error` when failed or canceled. */
export const taskSchema = z
  .discriminatedUnion('status', [liveTaskSchema, succeededTaskSchema, failedTaskSchema, canceledTaskSchema])
  .meta({ id: 'Task' });

export type Task = z.infer<typeof taskSchema>;
export type TaskError = z.infer<typeof taskErrorSchema>;
export type Attempt = z.infer<typeof attemptSchema>;
export type LiveTask = z.infer<typeof liveTaskSchema>;

export const taskListSchema = z.object({ data: z.array(taskSchema), nextCursor: z.string().nullable() }).meta({ id: 'TaskList' });

/** A creation-time bound: a date (a whole UTC day) or a date-time with its zone; `end` makes a date its day's last ms. */
const createdBound = (end: boolean) => z
  .string()
  .max(40)
  .refine(isRealDateTime, 'use an ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm:ssZ) naming a real day')
  .refine((s) => s.length === 10 || /(Z|[+-]\d{2}:?\d{2})$/.test(s), 'give the date-time a zone (Z or +hh:mm)')
  .transform((s) => (s.length === 10 ? Date.parse(`${s}T00:00:00Z`) + (end ? 86_399_999 : 0) : Date.parse(s)));

export const listQuerySchema = z.strictObject({
  from: createdBound(false).optional().describe('Tasks created at or after this time (a date: from its start, UTC)'),
  to: createdBound(true).optional().describe('Tasks created at or before this time (a date: to its end, UTC)'),
  status: z.enum(TASK_STATUSES).optional(),
  action: z.enum(ACTIONS).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^tsk_[0-9A-Za-z]{26,40}$/, 'cursor must be a nextCursor value from a previous page').optional(),
});

export const taskParamsSchema = z.object({ id: z.string().min(1).max(64) });
