/** Legnext job object (submit answer and `GET /v1/job/{id}`) → canonical snapshot. */
import type { JobSnapshot, TaskOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { POINTS_PER_USD } from './api.js';
import { jobFailure } from './errors.js';

export interface LegnextJob {
  job_id: string;
  task_type?: string;
  status?: string;
  output?: Record<string, unknown> | null;
  meta?: { usage?: { type?: string; frozen?: number; consume?: number } } | null;
  error?: { code?: number | string; message?: string; raw_message?: string } | null;
  progress?: number;
}

/** Accepts the bare job object and also a `{timestamp, data: job}` callback envelope. [I] */
export function readJob(body: unknown): LegnextJob | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const o = body as Record<string, unknown>;
  if (typeof o.job_id === 'string' && o.job_id) return o as unknown as LegnextJob;
  if (o.data && typeof o.data === 'object') return readJob(o.data);
  return undefined;
}

/** Task types (underscored as in answers, hyphenated as in the SDK enum) whose result is one image. */
const SINGLE_IMAGE: ReadonlySet<string> = new Set(['upscale', 'remove_background', 'remove-background', 'enhance_upscale', 'enhance-upscale']);

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** Describe / shorten answer `promptEn`, `description`, `finalPrompt` beside `prompts`: each non-empty one is kept. */
function textsOf(o: Record<string, unknown>): TaskOutput['texts'] {
  const texts = Object.fromEntries((['description', 'promptEn', 'finalPrompt'] as const).flatMap((k) => (str(o[k]) ? [[k, str(o[k])!]] : [])));
  return Object.keys(texts).length ? texts : undefined;
}

export function legnextOutput(out: Record<string, unknown> | null | undefined, taskType?: string): TaskOutput {
  const o = out ?? {};
  // A one-image result sits in `image_url` (the grid field of other jobs); the Topaz page also fills `image_urls`.
  if (SINGLE_IMAGE.has(taskType ?? '') && str(o.image_url)) {
    const urls = strings(o.image_urls);
    return { ...emptyOutput(), imageUrls: urls.length ? urls : [str(o.image_url)!], seed: typeof o.seed === 'string' || typeof o.seed === 'number' ? String(o.seed) || null : null };
  }
  const prompts = strings(o.prompts);
  // Describe: the docs' own code reads `description`; when `prompts` is empty, the description is the result. [I]
  if (prompts.length === 0 && str(o.description)) prompts.push(str(o.description)!);
  const texts = textsOf(o);
  return {
    ...emptyOutput(),
    ...(texts ? { texts } : {}),
    gridImageUrl: str(o.image_url),
    imageUrls: strings(o.image_urls),
    videoUrls: strings(o.video_urls).length ? strings(o.video_urls) : strings([o.video_url]),
    prompts,
    seed: typeof o.seed === 'string' || typeof o.seed === 'number' ? String(o.seed) || null : null,
  };
}

/**
 * Status words: pending/staged → queued-ish, processing (and PiAPI-style running/queued) → running,
 * completed/failed are final. Unknown words are treated as still running, never as an end.
 */
export function legnextSnapshot(job: LegnextJob): JobSnapshot {
  const status = (job.status ?? '').toLowerCase();
  const progress = typeof job.progress === 'number' ? Math.max(0, Math.min(100, job.progress)) : undefined;
  if (status === 'completed') {
    const consume = job.meta?.usage?.consume;
    return {
      status: 'succeeded',
      progress: 100,
      output: legnextOutput(job.output, job.task_type),
      cost: typeof consume === 'number' ? { amountUsd: consume / POINTS_PER_USD, reported: true } : undefined,
    };
  }
  if (status === 'failed') return { status: 'failed', failure: jobFailure(job.error) };
  if (status === 'pending' || status === 'staged' || status === 'queued') return { status: 'queued', progress: progress ?? 0 };
  return { status: 'running', progress };
}
