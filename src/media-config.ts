/**
 * The `media:` config block (its own file so the main schema stays small): where images are stored, how long the
 * signed links live, and the limits of what is accepted or mirrored. Imports nothing from the app.
 */
import { z } from 'zod';

const numeric = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v), schema);
const boolish = () => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const mediaS3Schema = z.strictObject({
  bucket: z.string().min(3, 's3.bucket is required'),
  region: z.string().min(1).default('us-east-1'),
  /** S3-compatible services (MinIO, R2, GCS interop): their endpoint URL. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  forcePathStyle: boolish().default(false),
  /** Without keys, the SDK's default chain (env, instance role) is used. */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  /** Key prefix of every object, e.g. `mjg/`. */
  prefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]*$/, 'use URL-safe characters').default(''),
});

export const mediaSchema = z.strictObject({
  store: z.enum(['local', 's3']).default('local'),
  /** The local store's directory (created at start). */
  dir: z.string().min(1).default('./data/media'),
  s3: mediaS3Schema.optional(),
  /** Copy task outputs into the store and serve them under `publicUrl`. */
  mirror: boolish().default(true),
  /** Largest accepted upload or mirrored file. */
  maxBytes: numeric(z.number().int().min(1024).max(1024 ** 3).default(25 * 1024 * 1024)),
  /** Lifetime of a signed media link handed to a provider or a client. */
  urlTtlSeconds: numeric(z.number().int().min(60).max(365 * 86_400).default(7 * 86_400)),
  /** Let downloads (mirroring) reach loopback/private hosts: tests and closed networks only. */
  allowPrivateHosts: boolish().default(false),
  /** HMAC key of media links (≥ 32 chars), the same in every process; default: derived from `adminToken`. */
  signingSecret: z.string().min(32, 'media.signingSecret must be at least 32 characters').optional(),
  /** Time one mirrored download may take. */
  downloadTimeoutMs: numeric(z.number().int().min(100).max(600_000).default(60_000)),
});

export type MediaConfig = z.infer<typeof mediaSchema>;

/** Problems that need more than one key to see. */
export function mediaProblems(media: MediaConfig | undefined, adminToken: string | undefined): string[] {
  if (!media) return [];
  const problems: string[] = [];
  if (media.store === 's3' && !media.s3) problems.push('media.s3: store is s3, so media.s3 { bucket, region, ... } is required');
  if (!media.signingSecret && !adminToken) problems.push('media.signingSecret: set it (or adminToken) so every process signs media links alike');
  if ((media.s3?.accessKeyId === undefined) !== (media.s3?.secretAccessKey === undefined)) {
    problems.push('media.s3: give both accessKeyId and secretAccessKey, or neither');
  }
  return problems;
}

/** Body limit of a task submit: with media on, one image of up to `maxBytes` fits as base64 beside the rest. */
export function submitBodyLimit(c: { bodyLimitBytes: number; media?: MediaConfig }): number {
  return c.media ? Math.max(c.bodyLimitBytes, Math.ceil((c.media.maxBytes * 4) / 3) + 64 * 1024) : c.bodyLimitBytes;
}
