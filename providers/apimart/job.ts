/** APIMart answers → canonical: the submit envelope, the MJ-style task (`GET /v1/midjourney/{id}`), shared readers. */
import type { Cost, JobSnapshot, TaskOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import type { ApimartButton } from './api.js';
import { taskFailure } from './errors.js';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : []);

/**
 * Both status vocabularies in one map (MJ-style upper case, unified lower case). Cancelled (an unanswered MODAL is
 * cancelled after 30 min) is an end, so it fails; any unknown word means still running, never an end.
 */
export function statusOf(word: unknown): JobSnapshot['status'] | 'cancelled' {
  switch ((typeof word === 'string' ? word : '').toUpperCase()) {
    case 'NOT_START': case 'SUBMITTED': case 'PENDING': case 'QUEUED': return 'queued';
    case 'SUCCESS': case 'COMPLETED': return 'succeeded';
    case 'FAILURE': case 'FAILED': return 'failed';
    case 'CANCEL': case 'CANCELED': case 'CANCELLED': return 'cancelled';
    default: return 'running';
  }
}

/** MJ-style progress is a "NN%" string, unified an integer. */
export function progressOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number.parseFloat(v) : Number.NaN;
  return Number.isFinite(n) ? Math.max(0, Math.min(100, Math.round(n))) : undefined;
}

/** `cost` is USD [3P]; `credits_cost` has no documented unit, so it is not read. */
export function costOf(v: unknown): Cost | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? { amountUsd: n, reported: true } : undefined;
}

export interface SubmitAnswer { code?: number | string; taskId?: string; status?: string }

/**
 * The documented envelope `{code: 200, data: [{status, task_id}]}`; also `data: {…}` and the bare `{task_id, status}`
 * of the inpaint page (A4), since the docs show both. Undefined when the body is not an object at all.
 */
export function readSubmitAnswer(json: unknown): SubmitAnswer | undefined {
  if (!isObj(json)) return undefined;
  const inner: unknown = Array.isArray(json.data) ? json.data[0] : json.data;
  const job = isObj(inner) ? inner : json;
  const code = typeof json.code === 'number' || typeof json.code === 'string' ? json.code : undefined;
  return { code, taskId: str(job.task_id) ?? str(job.id), status: str(job.status) };
}

export interface MjTask extends Obj { id?: string; status?: string; action?: string }

/** The MJ-style task is top-level (A2); a `{code, data: task}` envelope is read too. [I] */
export function readMjTask(json: unknown): MjTask | undefined {
  if (!isObj(json)) return undefined;
  if (typeof json.status === 'string') return json;
  return isObj(json.data) ? readMjTask(json.data) : undefined;
}

export function readButtons(v: unknown): ApimartButton[] {
  if (!Array.isArray(v)) return [];
  return v.filter((b): b is Obj => isObj(b) && typeof b.customId === 'string')
    .map((b) => (typeof b.label === 'string' ? { customId: b.customId as string, label: b.label } : { customId: b.customId as string }));
}

const KEYCAP = /^[0-9#*]\uFE0F?\u20E3\s*/u;

/** Describe text: one prompt per line, 1️⃣–4️⃣ markers removed, blank lines dropped. */
export function describePrompts(text: string | undefined): string[] {
  return (text ?? '').split(/\r?\n/).map((line) => line.trim().replace(KEYCAP, '').trim()).filter((line) => line.length > 0);
}

const seedOf = (v: unknown): string | null => (typeof v === 'number' || (typeof v === 'string' && v) ? String(v) : null);

/**
 * Describe results are text in `prompt` / `description`; on other tasks `prompt` is the input, not a result. A
 * describe's `description` is kept as given beside the split prompts.
 */
export function mjOutput(task: MjTask, describe: boolean): TaskOutput {
  const videos = strings(task.video_urls);
  const description = describe ? str(task.description) : undefined;
  return {
    ...emptyOutput(),
    ...(description ? { texts: { description } } : {}),
    gridImageUrl: str(task.grid_image_url) ?? null,
    imageUrls: strings(task.image_urls),
    videoUrls: videos.length > 0 ? videos : strings([task.video_url]),
    prompts: describe ? describePrompts(str(task.prompt) ?? str(task.description)) : [],
    seed: seedOf(task.seed),
  };
}

/** Failed and cancelled both end the task; only a failure carries the provider's reason. */
export function endedSnapshot(status: 'failed' | 'cancelled', reason: string | undefined, code?: number | string): JobSnapshot {
  return { status: 'failed', failure: status === 'cancelled' ? { kind: 'provider', message: reason ?? 'the task was cancelled upstream' } : taskFailure(reason, code) };
}

/** One MJ-style reading. A finished task's buttons go into the state, for its children's `custom_id`. */
export function mjSnapshot(task: MjTask, action?: string): JobSnapshot {
  const status = statusOf(task.status);
  const progress = progressOf(task.progress);
  if (status === 'succeeded') {
    const describe = action === 'describe' || String(task.action).toUpperCase() === 'DESCRIBE';
    const buttons = readButtons(task.buttons);
    const snap: JobSnapshot = { status, progress: 100, output: mjOutput(task, describe), cost: costOf(task.cost) };
    return buttons.length > 0 ? { ...snap, state: { buttons } } : snap;
  }
  if (status === 'failed' || status === 'cancelled') return endedSnapshot(status, str(task.fail_reason));
  return status === 'queued' ? { status, progress: progress ?? 0 } : { status, progress };
}
