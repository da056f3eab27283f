/**
 * The configuration schema: the one source of the config's type. config.ts reads, interpolates and validates a file
 * against it. Imports nothing from the app.
 */
import { z } from 'zod';
import { PROVIDER_TYPES } from '../providers/index.js';
import { ACTIONS } from '../providers/types.js';
import { mediaSchema } from './media-config.js';

/** Numbers and booleans may come from `${ENV}` as text: "8080" and "true" are read as such. */
const numeric = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v), schema);
const boolish = () => z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lowercase letters, digits and dashes');
const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, 'must be a lowercase sha256 hex digest');

export const providerSchema = z.strictObject({
  /** Unique id shown to clients as `task.provider`. */
  id,
  type: z.enum(PROVIDER_TYPES),
  apiKey: z.string().min(1, 'apiKey is required'),
  /** Filled after validation with the type's `defaultBaseUrl` (providers/index.ts); tests point it at a local simulator. */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Lower is tried first; equal priorities share traffic by weight. */
  priority: numeric(z.number().int().min(0).default(1)),
  weight: numeric(z.number().int().min(1).max(1000).default(1)),
  /** Upstream jobs in flight at once (the account's slots). */
  maxConcurrency: numeric(z.number().int().min(1).max(10_000).default(6)),
  /** Upstream job reads per second, shared by every worker (callback-triggered re-reads are not held back). */
  pollsPerSecond: numeric(z.number().min(0.1).max(100_000).default(20)),
  /** One upstream HTTP call. */
  timeoutMs: numeric(z.number().int().min(100).max(300_000).default(30_000)),
  /** Restricts what is routed here. */
  actions: z.array(z.enum(ACTIONS)).min(1).optional(),
  /** Type-specific options, e.g. `{ bodyStyle: wrapped }` for the aggregator. */
  options: z.record(z.string(), z.unknown()).optional(),
  /** Below this account balance (USD, as last read), root tasks prefer other providers. */
  minBalanceUsd: numeric(z.number().min(0).max(1_000_000)).optional(),
});

export const tenantSchema = z.strictObject({
  id,
  name: z.string().max(200).optional(),
  /** Plaintext keys here are hashed at load and never stored. */
  apiKeys: z.array(z.string().min(16, 'tenant keys must be at least 16 characters')).default([]),
  apiKeyHashes: z.array(sha256Hex).default([]),
  rateLimitPerMinute: numeric(z.number().int().min(1).default(600)),
  maxConcurrentTasks: numeric(z.number().int().min(1).default(50)),
  providers: z.array(id).min(1).optional(),
  monthlyBudgetUsd: numeric(z.number().positive().optional()),
  webhookSecret: z.string().min(16, 'webhookSecret must be at least 16 characters').optional(),
  /** Default webhook target for tasks submitted without a `callbackUrl`. */
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
});

/**
 * TLS settings of a Redis connection. `ca`, `cert` and `key` are PEM text or a file path (config.ts reads the file:
 * afterwards they always hold PEM).
 */
const tlsSchema = z.strictObject({
  /** The CA that signed the server's certificate (default: the system's CAs). */
  ca: z.string().min(1).optional(),
  /** A client certificate and its key, for servers that check clients (`tls-auth-clients yes`). */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** The name the server's certificate must carry, when it is not the host connected to. */
  servername: z.string().min(1).optional(),
  /** false accepts any server certificate (closed test networks only). */
  rejectUnauthorized: boolish().default(true),
});
export type RedisTlsConfig = z.infer<typeof tlsSchema>;

const ms = (def: number) => numeric(z.number().int().min(1)).default(def);

export const configSchema = z.strictObject({
  port: numeric(z.number().int().min(0).max(65_535).default(8080)),
  host: z.string().default('0.0.0.0'),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  /** Redis behind Sentinel: every connection (commands, pub/sub, queues) asks the sentinels for the primary. */
  redisSentinel: z.strictObject({
    /** The primary's name as the sentinels monitor it. */
    name: z.string().min(1),
    sentinels: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be "host:port"')).min(1),
    password: z.string().optional(),
    sentinelPassword: z.string().optional(),
    db: numeric(z.number().int().min(0).max(15)).optional(),
    /** TLS to the sentinels and the primary (as `rediss://` does for `redisUrl`), with `redisTls`'s settings. */
    tls: boolish().default(false),
    /** The sentinels' own TLS settings when they differ from `redisTls` (e.g. another CA). */
    sentinelTls: tlsSchema.optional(),
  }).optional(),
  /** TLS settings of every Redis connection made over TLS (a `rediss://` `redisUrl`, or `redisSentinel.tls`). */
  redisTls: tlsSchema.optional(),
  /** Prefix of every Redis key (queues included); lets several deployments or test runs share one Redis. */
  keyPrefix: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('mjg'),
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  adminToken: z.string().min(16, 'adminToken must be at least 16 characters').optional(),
  allowPrivateCallbacks: boolish().default(false),
  taskRetentionDays: numeric(z.number().min(1).max(3650).default(30)),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  bodyLimitBytes: numeric(z.number().int().min(1024).max(10 * 1024 * 1024).default(256 * 1024)),
  /** Time a task may take from submit to a final status before it fails with `timeout`. */
  deadlines: z.strictObject({ imageMs: ms(15 * 60_000), videoMs: ms(30 * 60_000) }).prefault({}),
  polling: z
    .strictObject({
      /** First checks come this often; later the interval is `growth` × the time already spent, up to `maxDelayMs`. */
      initialDelayMs: ms(1000),
      maxDelayMs: ms(5000),
      growth: numeric(z.number().min(0).max(10).default(0.25)),
      /** Consecutive "unknown job" answers before the task fails. */
      maxNotFound: numeric(z.number().int().min(1).default(5)),
    })
    .prefault({}),
  retry: z
    .strictObject({
      /** Transient submit errors retried on the same provider before failing over. */
      sameProviderAttempts: numeric(z.number().int().min(0).max(10).default(2)),
      baseDelayMs: ms(500),
      maxDelayMs: ms(30_000),
      /** What to do when a submit's answer was lost: retry (risk a duplicate job) or fail the task. */
      onAmbiguousSubmit: z.enum(['retry', 'fail']).default('retry'),
      /** Resubmit a root task once to another provider when its upstream job fails for a provider-side reason. */
      resubmitOnUpstreamFailure: boolish().default(true),
    })
    .prefault({}),
  /** Provider account balances: read by one worker at a time, this often (0: never on a schedule) and after a quota_exhausted. */
  balances: z.strictObject({ intervalMs: numeric(z.number().int().min(0)).default(300_000).describe('0: no scheduled reads') }).prefault({}),
  /** Per-provider circuit breakers, shared by every process through Redis. Submit outcomes feed them. */
  circuitBreaker: z
    .strictObject({
      /** Sliding window over which the failure ratio is measured. */
      windowMs: ms(60_000),
      /** Fewer submits than this in the window never open the circuit. */
      minRequests: numeric(z.number().int().min(1).default(5)),
      failureRatio: numeric(z.number().min(0.01).max(1).default(0.5)),
      /** How long an opened circuit refuses traffic before one probe is let through. */
      openMs: ms(30_000),
      /** Open time after `quota_exhausted` or `auth_invalid`: these do not heal by themselves. */
      longOpenMs: ms(10 * 60_000),
      /** A probe that never reports back frees the half-open slot after this long. */
      probeTimeoutMs: ms(60_000),
    })
    .prefault({}),
  routing: z
    .strictObject({
      /** Within the best priority tier: `weighted` random by weight, or `least-busy` (most free slots, then weight). */
      strategy: z.enum(['weighted', 'least-busy']).default('weighted'),
      /**
       * Period of the room sweep: free slots go to waiting tasks the moment they are released; the sweep only repairs
       * what a crash or a lapsed lease left (and hands slots over once an open circuit may take traffic again).
       */
      handoffSweepMs: ms(2_000),
    })
    .prefault({}),
  workers: z
    .strictObject({
      /** Jobs one worker process runs at once per queue (they are I/O-bound). */
      concurrency: numeric(z.number().int().min(1).max(1000).default(50)),
      /** A job whose worker died is taken over after this long. */
      lockDurationMs: ms(30_000),
      stalledIntervalMs: ms(15_000),
      /** How often the sweeper fails overdue tasks and re-enqueues orphans. */
      sweepIntervalMs: ms(30_000),
      /**
       * Scheduling niceness a `ROLE=worker` process gives itself at start (0 = unchanged, up to 19 = lowest
       * priority): where workers share cores with API processes (and Redis) under one scheduler group, the API's
       * answers do not wait behind background work. Ignored by `ROLE=all`, which serves the API itself.
       */
      niceness: numeric(z.number().int().min(0).max(19).default(0)),
    })
    .prefault({}),
  /** Client webhooks: one HTTP attempt's timeout, and exponential backoff with jitter between attempts until `maxAgeMs`. */
  webhooks: z
    .strictObject({
      timeoutMs: ms(10_000),
      baseDelayMs: ms(2_000),
      maxDelayMs: ms(3_600_000),
      maxAgeMs: ms(86_400_000),
      /** Encrypts webhook secrets stored in Redis (AES-256-GCM); without it the key is derived from `adminToken`. */
      encryptionKey: z.string().min(32, 'webhooks.encryptionKey must be at least 32 characters').optional(),
    })
    .prefault({}),
  /** Event streams (`GET /v1/tasks/{id}/events`): a comment line this often keeps proxies and idle timers from closing them. */
  streams: z.strictObject({ heartbeatMs: ms(15_000) }).prefault({}),
  /** USD per task, by provider id or type, then action; unset entries take the vendors' list prices (providers/<type>/prices.ts). */
  prices: z.record(z.string(), z.partialRecord(z.enum(ACTIONS), numeric(z.number().min(0).max(1000)))).default({}),
  providers: z.array(providerSchema).default([]),
  tenants: z.array(tenantSchema).default([]),
  /** The midjourney-proxy ingress (`/mj`, src/ingress/mjproxy). */
  mjProxy: z
    .strictObject({
      /** Largest submit body on `/mj/submit/*` (base64 images travel inline). */
      bodyLimitBytes: numeric(z.number().int().min(1024).max(64 * 1024 * 1024).default(16 * 1024 * 1024)),
      /** A MODAL step (vary region, custom zoom, remix) never completed by `submit/modal` expires after this. */
      modalTtlSeconds: numeric(z.number().int().min(60).max(7 * 86_400).default(3600)),
    })
    .prefault({}),
  /** Image uploads, data URLs and mirrored outputs (src/media-config.ts); absent: media is off. */
  media: mediaSchema.optional(),
});

/** A provider as validated, `baseUrl` filled with its type's default when the config gave none. */
export type ProviderConfig = z.infer<typeof providerSchema> & { baseUrl: string };
export type Config = Readonly<Omit<z.infer<typeof configSchema>, 'providers'> & { providers: ProviderConfig[] }>;
export type TenantConfig = z.infer<typeof tenantSchema>;
