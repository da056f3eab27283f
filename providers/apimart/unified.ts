/** The unified task query (`GET /v1/tasks/{id}`) → canonical snapshot: the fallback when the MJ-style query 404s. */
import type { JobSnapshot, TaskOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { costOf, endedSnapshot, isObj, progressOf, statusOf, str, strings, type Obj } from './job.js';

export interface UnifiedTask extends Obj { id?: string; status?: string }

/** `{code, data: task}` as documented; a bare task object is read too. */
export function readUnifiedTask(json: unknown): UnifiedTask | undefined {
  if (!isObj(json)) return undefined;
  if (isObj(json.data) && typeof json.data.status === 'string') return json.data;
  return typeof json.status === 'string' && typeof json.id === 'string' ? (json) : undefined;
}

/** `result.images[].url` is a string in one doc version and a string[] in another (A3a/A3b): both, flattened. */
export function mediaUrls(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => (isObj(item) ? (typeof item.url === 'string' ? strings([item.url]) : strings(item.url)) : []));
}

/** The unified shape has no grid, buttons or describe text [?]; `result.videos` mirrors `images`. [I] */
export function unifiedOutput(result: unknown): TaskOutput {
  const r = isObj(result) ? result : {};
  return { ...emptyOutput(), imageUrls: mediaUrls(r.images), videoUrls: mediaUrls(r.videos) };
}

/** `error` is `{code, message, type}` [3P] or, defensively, a plain string. */
function errorOf(e: unknown): { message?: string; code?: number | string } {
  if (typeof e === 'string') return { message: e || undefined };
  if (!isObj(e)) return {};
  const code = typeof e.code === 'number' || (typeof e.code === 'string' && e.code) ? e.code : undefined;
  return { message: str(e.message) ?? str(e.type), code };
}

export function unifiedSnapshot(task: UnifiedTask): JobSnapshot {
  const status = statusOf(task.status);
  const progress = progressOf(task.progress);
  if (status === 'succeeded') return { status, progress: 100, output: unifiedOutput(task.result), cost: costOf(task.cost) };
  if (status === 'failed' || status === 'cancelled') {
    const { message, code } = errorOf(task.error);
    return endedSnapshot(status, message, code);
  }
  return status === 'queued' ? { status, progress: progress ?? 0 } : { status, progress };
}
