/** Aggregator TaskStatus (submit answer, poll answer, callback body) → canonical snapshot. */
import type { Cost, JobSnapshot, TaskOutput, UpstreamState } from '../types.js';
import { emptyOutput } from '../types.js';
import { taskFailure } from './errors.js';

/** The CLI's TaskStatus struct, loosened: every field may be absent or of another documented type. */
export interface AggregatorTask {
  id?: string;
  status?: string;
  model?: string;
  progress?: unknown;
  output?: unknown;
  usage?: unknown;
  error?: unknown;
  metadata?: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The REST struct names the task `id`; the CLI prints `task_id` (V1). A `{code, data: task}` envelope is unwrapped
 * too [I]: no Vtrix sample has one, but its sibling gateways answer that way.
 */
export function readTask(body: unknown): AggregatorTask | undefined {
  if (!isObj(body)) return undefined;
  const id = str(body.id) ?? str(body.task_id);
  if (id) return { ...body, id };
  const inner = readTask(body.data);
  if (inner) return inner;
  return typeof body.status === 'string' ? ({ ...body, id: undefined }) : undefined;
}

/** `progress` is documented as 0.0–1.0; a value above 1 is taken as a percent already. */
function percent(v: unknown): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  return Math.max(0, Math.min(100, Math.round(v <= 1 ? v * 100 : v)));
}

function contentItems(output: unknown): Obj[] {
  if (!Array.isArray(output)) return [];
  return output.flatMap((group) => (isObj(group) && Array.isArray(group.content) ? group.content.filter(isObj) : []));
}

const seedOf = (v: unknown): string | null => (typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : null);

const VIDEO_FILE = /\.(mp4|webm|mov|m4v)(\?|$)/i;

/** An item's kind by `type`; an untyped item is judged by its URL's extension or its text [I]. */
function kindOf(item: Obj): 'image' | 'video' | 'grid' | 'text' | undefined {
  const type = str(item.type)?.toLowerCase();
  if (type === 'image' || type === 'image_url') return 'image';
  if (type === 'video' || type === 'video_url') return 'video';
  if (type === 'grid' || type === 'text') return type;
  if (type !== undefined) return undefined; // audio and the like
  if (str(item.url)) return VIDEO_FILE.test(item.url as string) ? 'video' : 'image';
  return str(item.text) ?? str(item.content) ? 'text' : undefined;
}

/**
 * Every image item is a result image, in order (the docs show no grid, so `gridImageUrl` stays null unless an item
 * is typed `grid` [?]). Describe/shorten text: items of type `text` carrying `text` or `content` [I].
 */
export function aggregatorOutput(output: unknown, metadata?: unknown): TaskOutput {
  const out = emptyOutput();
  for (const item of contentItems(output)) {
    const kind = kindOf(item);
    const url = str(item.url);
    if (kind === 'image' && url) out.imageUrls.push(url);
    else if (kind === 'video' && url) out.videoUrls.push(url);
    else if (kind === 'grid' && url) out.gridImageUrl ??= url;
    else if (kind === 'text') {
      const t = str(item.text) ?? str(item.content);
      if (t) out.prompts.push(t);
    }
    out.seed ??= seedOf(item.seed);
  }
  // No seed field is documented [?]: an item's or the metadata's `seed` is taken when present.
  out.seed ??= seedOf(isObj(metadata) ? metadata.seed : undefined);
  return out;
}

/** The upstream job id a follow-up needs (see `parentJobId` in submit.ts); items of one grid share it [I]. */
export function remoteJobId(output: unknown): string | undefined {
  for (const item of contentItems(output)) {
    const id = str(item.jobId) ?? str(item.job_id);
    if (id) return id;
  }
  return undefined;
}

const usd = (raw: unknown) => (typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN);

/**
 * `usage.cost` is "Total cost in USD" (a string) and `discount` the "Discount amount" beside it: what was charged is
 * the cost less the discount [I: the docs do not say whether `cost` is before or after it].
 */
export function costOf(usage: unknown): Cost | undefined {
  const n = usd(isObj(usage) ? usage.cost : undefined);
  if (!Number.isFinite(n) || n < 0) return undefined;
  const discount = usd(isObj(usage) ? usage.discount : undefined);
  const charged = Number.isFinite(discount) && discount > 0 ? Math.max(0, n - discount) : n;
  return { amountUsd: Math.round(charged * 1e6) / 1e6, reported: true };
}

/** Status words (union of the REST struct and the CLI docs): unknown words read as still running, never an end. */
export function aggregatorSnapshot(task: AggregatorTask): JobSnapshot {
  const status = (task.status ?? '').toLowerCase();
  const jobId = remoteJobId(task.output);
  const state: { state?: UpstreamState } = jobId ? { state: { jobId } } : {};
  const progress = percent(task.progress);
  if (status === 'completed') {
    const cost = costOf(task.usage);
    return { status: 'succeeded', progress: 100, output: aggregatorOutput(task.output, task.metadata), ...(cost ? { cost } : {}), ...state };
  }
  if (status === 'failed') return { status: 'failed', failure: taskFailure(task.error), ...state };
  if (status === 'pending') return { status: 'queued', progress: progress ?? 0, ...state };
  return { status: 'running', ...(progress === undefined ? {} : { progress }), ...state };
}
