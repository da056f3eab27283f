/**
 * The adapter contract: the canonical request, output and error types every provider adapter speaks,
 * and the interface the gateway calls. Imports no adapter and nothing from the web framework.
 */
import type { Dispatcher } from 'undici';

export const ACTIONS = [
  'imagine', 'variation', 'upscale', 'reroll', 'remix', 'pan', 'zoom', 'inpaint', 'blend', 'describe', 'shorten', 'video',
  'edit', 'retexture', 'remove_background', 'enhance', 'upscale_hd', 'video_extend', 'video_upscale',
] as const;
export type Action = (typeof ACTIONS)[number];

export const SPEEDS = ['relax', 'fast', 'turbo'] as const;
export type Speed = (typeof SPEEDS)[number];

/** A polygon of an inpaint mask: canvas size and clockwise XY pairs from the top-left. */
export interface MaskPolygon { width: number; height: number; points: number[] }
export type Mask = { url: string } | { areas: MaskPolygon[] };
/** Edit geometry: the canvas, and where the source image sits on it (pixels from the canvas's top-left). */
export interface Canvas { width: number; height: number }
export interface ImagePosition { width: number; height: number; x: number; y: number }

export const HD_RESOLUTIONS = ['HD', 'FHD', '2K', '4K', '6K', '8K', '12K'] as const;
/** `upscale_hd` options (Legnext's Topaz upscale); absent ones take the provider's defaults. */
export interface UpscaleHdOptions {
  resolution: (typeof HD_RESOLUTIONS)[number];
  contentType?: 'standard' | 'photo' | 'illustration' | 'text' | 'low_res';
  aspectRatio?: 'keep' | '1:1' | '16:9' | '9:16' | '4:5' | '5:4' | '3:2' | '2:3' | '4:3' | '3:4';
  cropMode?: 'letterbox' | 'crop' | 'stretch';
  format?: 'jpeg' | 'png' | 'tiff';
  faceEnhancement?: 'off' | 'subtle' | 'moderate' | 'strong';
}
/** `video` options beyond the source image and prompt (Midjourney video flags). */
export interface VideoOptions { motion?: 'low' | 'high'; loop?: boolean; endImageUrl?: string; batchSize?: 1 | 2 | 4; raw?: boolean }

interface Base { speed?: Speed }
/** Image number 1–4: the grid's image n (`output.imageUrls[n-1]`). */
type Index = 1 | 2 | 3 | 4;

/** The canonical request as the gateway accepted it (speed flags already lifted out of the prompt). */
export type CanonicalRequest =
  | (Base & { action: 'imagine'; prompt: string; imageUrls?: string[] })
  | (Base & { action: 'variation'; taskId: string; index: Index; strength?: 'subtle' | 'strong'; prompt?: string })
  | (Base & { action: 'upscale'; taskId: string; index: Index; mode?: 'subtle' | 'creative' })
  | (Base & { action: 'reroll'; taskId: string })
  | (Base & { action: 'remix'; taskId: string; index: Index; prompt: string; strength?: 'strong' | 'subtle' })
  | (Base & { action: 'pan'; taskId: string; index: Index; direction: 'up' | 'down' | 'left' | 'right'; scale?: number; prompt?: string })
  | (Base & { action: 'zoom'; taskId: string; index: Index; scale?: number; prompt?: string })
  | (Base & { action: 'inpaint'; taskId: string; index: Index; mask: Mask; prompt?: string })
  | (Base & { action: 'blend'; imageUrls: string[]; aspectRatio?: '2:3' | '1:1' | '3:2' })
  | (Base & { action: 'describe'; imageUrl: string })
  | (Base & { action: 'shorten'; prompt: string })
  | (Base & VideoOptions & { action: 'video'; taskId?: string; index?: Index; imageUrl?: string; prompt?: string; resolution?: '480p' | '720p' })
  | (Base & { action: 'edit'; taskId?: string; index?: Index; imageUrl?: string; prompt: string; canvas: Canvas; imagePosition: ImagePosition; mask?: Mask })
  | (Base & { action: 'retexture'; imageUrl: string; prompt: string })
  | (Base & { action: 'remove_background'; imageUrl: string })
  | (Base & { action: 'enhance'; taskId: string; index: Index })
  | (Base & UpscaleHdOptions & { action: 'upscale_hd'; taskId?: string; index?: Index; imageUrl?: string })
  | (Base & { action: 'video_extend'; taskId: string; index: Index; prompt?: string })
  | (Base & { action: 'video_upscale'; taskId: string; index: Index });

export type RequestOf<A extends Action> = Extract<CanonicalRequest, { action: A }>;

/** Normalised result of a finished job. */
export interface TaskOutput {
  gridImageUrl: string | null;
  imageUrls: string[];
  videoUrls: string[];
  prompts: string[];
  seed: string | null;
  /** Describe / shorten: the provider's other texts, kept as given (only those it returned, non-empty). */
  texts?: { description?: string; promptEn?: string; finalPrompt?: string };
}

export interface Cost { amountUsd: number; reported: boolean }

/** Adapter-owned data persisted with the task (JSON-safe): e.g. button ids, a second job id, a step marker. */
export type UpstreamState = Record<string, unknown>;

/** What a follow-up knows of its parent: always the parent's own provider and upstream id. */
export interface ParentRef {
  upstreamId: string;
  action: Action;
  state: UpstreamState;
  output: TaskOutput | null;
}

export interface SubmitInput {
  request: CanonicalRequest;
  parent?: ParentRef;
  /** Where the provider may call us back, when the gateway has a public URL and the provider takes one. */
  callbackUrl?: string;
}

export interface SubmitResult {
  upstreamId: string;
  state?: UpstreamState;
  /** Set when the submit answer already carries the job (Legnext returns the whole job object). */
  snapshot?: JobSnapshot;
}

export interface PollInput {
  upstreamId: string;
  state: UpstreamState;
  request: CanonicalRequest;
  /**
   * Only read the job as it stands: send no further step of a multi-step action, and report the job being read (its
   * end is the end). Set for a task canceled while its job runs, which is followed only until that job ends.
   */
  readOnly?: boolean;
}

/**
 * A job failure reported by the provider. `provider` failures (generation error, provider-side fault) may be
 * resubmitted elsewhere; `content_rejected` and `invalid_request` never are, as every provider would refuse them.
 */
export interface UpstreamFailure {
  kind: 'content_rejected' | 'invalid_request' | 'provider';
  code?: string | number;
  message: string;
}

/** One reading of an upstream job, already in canonical words. */
export interface JobSnapshot {
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress?: number;
  output?: TaskOutput;
  cost?: Cost;
  failure?: UpstreamFailure;
  /** Merged into the task's stored upstream state (e.g. a follow-up reference the result exposed). */
  state?: UpstreamState;
}

/**
 * Classes of submit/poll errors; routing decides retry, failover or failure from these alone. `action_not_supported`: the
 * provider does not run the action now (e.g. a paused endpoint), which says nothing about its health.
 */
export const ERROR_CLASSES = [
  'rate_limited', 'quota_exhausted', 'auth_invalid', 'unavailable', 'timeout', 'ambiguous', 'content_rejected', 'invalid_request', 'not_found',
  'action_not_supported',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** An error an adapter throws: always classified, carrying what the upstream said. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: ErrorClass,
    message: string,
    readonly upstream: { status?: number; code?: string | number; message?: string } = {},
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** What an adapter can run. `speeds` lists what it honours; an absent speed means "provider default". */
export interface ActionCapability {
  speeds: Speed[];
  /**
   * Canonical option names this provider honours for the action (`mask.url` / `mask.areas` for the two mask kinds);
   * a request giving any other is refused by name (`capabilities.ts`), shown as is on `/v1/providers`.
   */
  options: string[];
  /** Ranges narrower than the API's own, per option (shown on `/v1/providers`), e.g. `{ scale: "1.5 or 2" }`. */
  ranges?: Record<string, string>;
}

export interface Capabilities {
  actions: Partial<Record<Action, ActionCapability>>;
  /** Whether the provider takes a completion callback URL. */
  callbacks: boolean;
}

/** The provider account's balance; `low` is the provider's own low-balance flag when it gives one. */
export interface AccountBalance { usd: number; low: boolean | null }

export interface ProviderAdapter {
  readonly id: string;
  /** The registry key this adapter was built under (`providers/index.ts`). */
  readonly type: string;
  readonly capabilities: Capabilities;
  /** Null when this provider can run the request, else a sentence saying why not. */
  unsupported(request: CanonicalRequest): string | null;
  /** Sends the job upstream. Throws ProviderError. */
  submit(input: SubmitInput): Promise<SubmitResult>;
  /** Reads the job. Throws ProviderError (`not_found` when the upstream no longer knows the id). */
  poll(input: PollInput): Promise<JobSnapshot>;
  /** Reads the account balance, where the provider documents an endpoint for it. Throws ProviderError. */
  balance?(): Promise<AccountBalance>;
  /**
   * The upstream job id a callback body names, or null when it names none (providers that call back). Only used to
   * tell a job the gateway never learned of (a submit whose answer was lost) from the task's own.
   */
  callbackJobId?(body: unknown): string | null;
}

/** Options every adapter factory receives. Secrets stay in here and are never logged. */
export interface AdapterOptions {
  id: string;
  apiKey: string;
  baseUrl?: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** Type-specific options from config (e.g. the aggregator's body style). */
  options?: Record<string, unknown>;
}

export type AdapterFactory = (options: AdapterOptions) => ProviderAdapter;

/** List price per action in USD; an action the provider cannot run has none. */
export type ListPrices = Readonly<Partial<Record<Action, number>>>;

/**
 * Everything the gateway knows of one provider type, exported by the type's folder and listed once in
 * `providers/index.ts`: the factory, the defaults config falls back on, and the prices budgets start from.
 */
export interface ProviderModule {
  create: AdapterFactory;
  /** Used when a provider's config gives no `baseUrl`. */
  defaultBaseUrl: string;
  /** Env-only config (no file): `apiKey` set enables a provider with this `id`; `baseUrl` optionally overrides the default. */
  env: { apiKey: string; baseUrl: string; id: string };
  /** The vendor's list price per action in USD, before `prices.<id|type>` in config. */
  listPricesUsd: ListPrices;
}

export const emptyOutput = (): TaskOutput => ({ gridImageUrl: null, imageUrls: [], videoUrls: [], prompts: [], seed: null });
