/**
 * Reading tasks as midjourney-proxy VOs: one MGET for any number of ids (tasks and MODAL steps together), and each
 * task's VO JSON cached by its record version, so a repeated fetch of an unchanged task costs one read and no work.
 */
import type { MjProxyExtras } from '../../domain/task.js';
import type { Runtime } from '../../runtime.js';
import type { Task } from '../../schemas/task.js';
import type { MjRead } from '../../store/mj-proxy-store.js';
import type { RecordParts } from '../../store/task-record.js';
import type { CanRun } from './buttons.js';
import { modalVo, taskVo } from './vo.js';

type Rt = Pick<Runtime, 'mjProxy' | 'providers'>;

/** What a task's provider can run (false for everything once the provider is no longer configured). */
export function canRunOn(rt: Pick<Runtime, 'providers'>, providerId: string | null): CanRun {
  const entry = providerId ? rt.providers.get(providerId) : undefined;
  return (req) => !!entry && rt.providers.unsupported(entry, req) === null;
}

const CACHE_MAX = 5_000;
/** taskId → the VO JSON of one version of its record (versions only grow: a stale entry never matches again). */
const cache = new Map<string, { version: number; json: string }>();

/** The VO JSON of a stored record (the caller has checked the tenant). */
export function voJson(rt: Pick<Runtime, 'providers'>, parts: RecordParts, id: string): string {
  const hit = cache.get(id);
  if (hit && hit.version === parts.version) return hit.json;
  const task = JSON.parse(parts.doc) as Task;
  const extras = (JSON.parse(parts.privateJson) as { mjProxy?: MjProxyExtras }).mjProxy;
  const json = JSON.stringify(taskVo(task, extras, canRunOn(rt, task.provider)));
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(id, { version: parts.version, json });
  return json;
}

const toJson = (rt: Rt, read: MjRead, id: string): string | null => {
  if (read === null) return null;
  return 'record' in read ? voJson(rt, read.record, id) : JSON.stringify(modalVo(read.modal));
};

/** One task (or MODAL step) as VO JSON; null when unknown or another tenant's. A completed MODAL step reads as its task. */
export async function fetchVo(rt: Rt, tenantId: string, id: string): Promise<string | null> {
  const [read] = await rt.mjProxy.readMany([id], tenantId);
  if (read && 'modal' in read && read.modal.taskId) return fetchVo(rt, tenantId, read.modal.taskId);
  return toJson(rt, read ?? null, id);
}

const ID = /^tsk_[0-9A-Za-z]{26,40}$/;

/** The tenant's tasks among `ids`, in the order asked, as a JSON array: one round trip; unknown ids are left out. */
export async function listVos(rt: Rt, tenantId: string, ids: readonly string[]): Promise<string> {
  const wanted = [...new Set(ids)].filter((id) => ID.test(id));
  const reads = await rt.mjProxy.readMany(wanted, tenantId);
  const parts: string[] = [];
  reads.forEach((read, i) => {
    const json = toJson(rt, read, wanted[i]!);
    if (json !== null) parts.push(json);
  });
  return `[${parts.join(',')}]`;
}
