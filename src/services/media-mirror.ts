/**
 * Mirroring: when a task succeeds, its grid, images and videos are copied into the media store before the task is
 * written `succeeded`, and its output URLs become signed gateway links (valid for the task's retention). The
 * provider's URLs stay in `output.upstream`. A file that cannot be copied after a few tries keeps its upstream URL
 * and `output.mirrorError` says why: mirroring never fails a task.
 *
 * Object ids derive from the task, its generation and the file's place, so a retry after a crash rewrites the same
 * objects and counts nothing twice.
 */
import type { JobSnapshot, TaskOutput } from '../../providers/types.js';
import { MEDIA_TYPES } from '../domain/image.js';
import type { TaskRecord } from '../domain/task.js';
import { openDownload, type FetchLimits } from './media-fetch.js';
import type { MediaService } from './media.js';

/** The provider's own URLs of a mirrored output. */
export interface UpstreamOutput { gridImageUrl: string | null; imageUrls: string[]; videoUrls: string[] }
export type MirroredOutput = TaskOutput & { upstream?: UpstreamOutput; mirrorError?: string };

const ATTEMPTS = 3;
const RETRY_MS = [250, 1000];
/** Files of one task copied at once. */
const PARALLEL = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface MirrorDeps { media: MediaService; limits: FetchLimits; onFailure(): void; log: { warn(o: object, m: string): void } }

async function copyOne(d: MirrorDeps, rec: TaskRecord, slot: string, url: string): Promise<string> {
  let last: Error = new Error('not tried');
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(RETRY_MS[attempt - 1] ?? 1000);
    try {
      const { type, body } = await openDownload(url, d.limits);
      const id = `med_${d.media.links!.derivedId(`${rec.task.id}|${rec.priv.generation}|${slot}`)}.${MEDIA_TYPES[type]}`;
      await d.media.put(rec.priv.tenantId, id, body, type);
      return d.media.links!.url(id, d.media.retentionSeconds);
    } catch (err) {
      last = err as Error;
    }
  }
  throw last;
}

/** Runs `fn` over `items`, at most `n` at once. */
async function eachLimited<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/** The snapshot with its output mirrored (see above); anything but a success with output is returned as is. */
export async function mirrorSnapshot(d: MirrorDeps, rec: TaskRecord, snap: JobSnapshot): Promise<JobSnapshot> {
  const output: MirroredOutput | undefined = snap.output;
  if (snap.status !== 'succeeded' || !output || output.upstream) return snap;
  const files: Array<[string, string]> = [
    ...(output.gridImageUrl ? [['gridImageUrl', output.gridImageUrl] as [string, string]] : []),
    ...output.imageUrls.map((u, i): [string, string] => [`imageUrls.${i}`, u]),
    ...output.videoUrls.map((u, i): [string, string] => [`videoUrls.${i}`, u]),
  ];
  if (files.length === 0) return snap;
  const errors: string[] = [];
  const copied = new Map<string, string>();
  await eachLimited(files, PARALLEL, async ([slot, url]) => {
    try {
      copied.set(slot, await copyOne(d, rec, slot, url));
    } catch (err) {
      errors.push(`${slot}: ${(err as Error).message}`);
      d.onFailure();
    }
  });
  if (errors.length) d.log.warn({ taskId: rec.task.id, errors }, 'output files not mirrored');
  const pick = (slot: string, url: string) => copied.get(slot) ?? url;
  const mirrored: MirroredOutput = {
    ...output,
    gridImageUrl: output.gridImageUrl ? pick('gridImageUrl', output.gridImageUrl) : null,
    imageUrls: output.imageUrls.map((u, i) => pick(`imageUrls.${i}`, u)),
    videoUrls: output.videoUrls.map((u, i) => pick(`videoUrls.${i}`, u)),
    upstream: { gridImageUrl: output.gridImageUrl, imageUrls: output.imageUrls, videoUrls: output.videoUrls },
    ...(errors.length ? { mirrorError: errors.sort().join('; ') } : {}),
  };
  return { ...snap, output: mirrored };
}
