/**
 * Reading tasks as midjourney-proxy VOs: one round trip for any number of ids (tasks and MODAL steps together), and
 * each task's VO cached by its record version, so a repeated read of an unchanged task fetches only its version
 * from Redis and costs no work here.
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
/**
 * taskId → the VO of one version of its record, as the bytes sent (versions only grow: a stale entry never matches
 * again). Bytes rather than strings: a list answer is a copy of these, with no encoding and little for the GC.
 */
const cache = new Map<string, { version: number; bytes: Buffer }>();

/** The VO of a stored record as JSON bytes, built once per record version (the caller has checked the tenant). */
export function voBytes(rt: Pick<Runtime, 'providers'>, parts: RecordParts, id: string): Buffer {
  const hit = cache.get(id);
  if (hit && hit.version === parts.version) return hit.bytes;
  const task = JSON.parse(parts.doc) as Task;
  const extras = (JSON.parse(parts.privateJson) as { mjProxy?: MjProxyExtras }).mjProxy;
  const bytes = Buffer.from(JSON.stringify(taskVo(task, extras, canRunOn(rt, task.provider))));
  if (hit) cache.delete(id);
  else if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(id, { version: parts.version, bytes });
  return bytes;
}

type Held = { version: number; bytes: Buffer } | undefined;

/** The VO bytes of one read; `held` is the cache entry the read was asked against (it may be evicted meanwhile). */
const toBytes = (rt: Rt, read: MjRead, id: string, held: Held): Buffer | null => {
  if (read === null) return null;
  if ('unchanged' in read) return held!.bytes;
  return 'record' in read ? voBytes(rt, read.record, id) : Buffer.from(JSON.stringify(modalVo(read.modal)));
};

/** Reads `ids` sending the versions held, so the store sends only records that changed. */
async function readAgainstCache(rt: Rt, tenantId: string, ids: readonly string[]): Promise<Array<Buffer | null>> {
  const held = ids.map((id) => cache.get(id));
  const reads = await rt.mjProxy.readMany(ids, tenantId, held.map((h) => h?.version));
  return reads.map((read, i) => toBytes(rt, read, ids[i]!, held[i]));
}

/** One task (or MODAL step) as VO JSON bytes; null when unknown or another tenant's. A completed MODAL step reads as its task. */
export async function fetchVo(rt: Rt, tenantId: string, id: string): Promise<Buffer | null> {
  const held = cache.get(id);
  const read = await rt.mjProxy.readOne(id, tenantId, held?.version);
  if (read && 'modal' in read && read.modal.taskId) return fetchVo(rt, tenantId, read.modal.taskId);
  return toBytes(rt, read, id, held);
}

const ID = /^tsk_[0-9A-Za-z]{26,40}$/;
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The tenant's tasks among `ids`, in the order asked, as the parts of a JSON array (cached bytes, not joined): one
 * round trip; unknown ids are left out.
 */
export async function listVos(rt: Rt, tenantId: string, ids: readonly string[]): Promise<Buffer[]> {
  const wanted = [...new Set(ids)].filter((id) => ID.test(id));
  const parts: Buffer[] = [OPEN];
  for (const bytes of await readAgainstCache(rt, tenantId, wanted)) {
    if (bytes === null) continue;
    if (parts.length > 1) parts.push(COMMA);
    parts.push(bytes);
  }
  parts.push(CLOSE);
  return parts;
}
