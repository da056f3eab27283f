/** How the APIMart simulator names and shows its tasks: ids, buttons, results, the MJ-style and unified bodies. */
import { randomBytes } from 'node:crypto';
import type { SimJob, SimState } from '../sim/kit.js';

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `task_` + 26 upper-case Crockford characters, like APIMart's ULID ids. */
export const newTaskId = (): string => `task_${Array.from(randomBytes(26), (b) => ULID_ALPHABET[b % 32]).join('')}`;

/** Edits answers a grid like imagine (the docs show no result) [I]. */
const GRID_ACTIONS = new Set(['imagine', 'edits', 'variation', 'high_variation', 'low_variation', 'reroll', 'remix_strong', 'remix_subtle', 'blend', 'pan', 'zoom', 'inpaint']);
export const isGrid = (job: SimJob): boolean => GRID_ACTIONS.has(job.action);

/** An inpaint task waits in MODAL until `/modal` brings the mask. */
export const awaitingModal = (job: SimJob): boolean => job.extra.awaitingModal === true;

/** A MODAL left unanswered past its deadline (30 min on APIMart) is cancelled and refunded. */
export const modalExpired = (job: SimJob, now = Date.now()): boolean => awaitingModal(job) && now >= Number(job.extra.modalDeadline ?? Infinity);
const MODAL_EXPIRED = 'the modal step was not submitted in time; the task was cancelled and refunded';

export const isSuccess = (job: SimJob, state: SimState): boolean =>
  !awaitingModal(job) && state.phase(job) === 'done' && job.outcome.kind === 'succeed';

/** The MJ-style words. `CANCEL` is midjourney-proxy's word [I]: APIMart documents only the unified `cancelled`. */
export type WireStatus = 'NOT_START' | 'SUBMITTED' | 'IN_PROGRESS' | 'MODAL' | 'SUCCESS' | 'FAILURE' | 'CANCEL';

export function wireStatus(job: SimJob, state: SimState): WireStatus {
  if (awaitingModal(job)) return modalExpired(job) ? 'CANCEL' : 'MODAL';
  const phase = state.phase(job);
  if (phase === 'pending') return state.serves('apimart-not-start') ? 'NOT_START' : 'SUBMITTED';
  if (phase === 'running') return 'IN_PROGRESS';
  return job.outcome.kind === 'fail' ? 'FAILURE' : job.outcome.kind === 'cancel' ? 'CANCEL' : 'SUCCESS';
}

export interface SimButton { customId: string; label: string }

/** A grid offers U/V/reroll; an upscaled image offers the HD upscales, varies, region, zooms and pans. */
export function buttonsOf(job: SimJob): SimButton[] {
  const h = job.id.slice(5).toLowerCase();
  const n4 = [1, 2, 3, 4];
  if (isGrid(job)) {
    return [
      ...n4.map((n) => ({ customId: `MJ::JOB::upsample::${n}::${h}`, label: `U${n}` })),
      ...n4.map((n) => ({ customId: `MJ::JOB::variation::${n}::${h}`, label: `V${n}` })),
      { customId: `MJ::JOB::reroll::0::${h}::SOLO`, label: '🔄' },
    ];
  }
  if (job.action !== 'upscale') return [];
  return [
    { customId: `MJ::JOB::upsample_v7_2x_subtle::1::${h}::SOLO`, label: 'Upscale (Subtle)' },
    { customId: `MJ::JOB::upsample_v7_2x_creative::1::${h}::SOLO`, label: 'Upscale (Creative)' },
    { customId: `MJ::JOB::low_variation::1::${h}::SOLO`, label: 'Vary (Subtle)' },
    { customId: `MJ::JOB::high_variation::1::${h}::SOLO`, label: 'Vary (Strong)' },
    { customId: `MJ::Inpaint::1::${h}::SOLO`, label: 'Vary (Region)' },
    { customId: `MJ::Outpaint::50::1::${h}::SOLO`, label: 'Zoom Out 2x' },
    { customId: `MJ::Outpaint::75::1::${h}::SOLO`, label: 'Zoom Out 1.5x' },
    ...['left', 'right', 'up', 'down'].map((d) => ({ customId: `MJ::JOB::pan_${d}::1::${h}::SOLO`, label: `Pan ${d}` })),
  ];
}

const PRICE_USD: Record<string, number> = { upscale: 0.01, describe: 0.01, video: 0.2 };
const SPEED_FACTOR: Record<string, number> = { relax: 0.5, fast: 1, turbo: 2 };
const costOf = (job: SimJob) => (PRICE_USD[job.action] ?? 0.05) * (job.action === 'video' ? 1 : SPEED_FACTOR[String(job.body.speed)] ?? 0.5);

const describeText = (id: string) => [1, 2, 3, 4]
  .map((n) => `${n}\uFE0F\u20E3 suggestion ${n} for ${id.slice(5, 13)} --ar 3:2`).join('\n');

function mediaOf(job: SimJob): { images: string[]; videos: string[]; grid?: string; text?: string } {
  const cdn = `https://cdn.apimart.sim/mj/${job.id}`;
  if (job.action === 'describe') return { images: [], videos: [], text: describeText(job.id) };
  if (job.action === 'video') {
    const n = [2, 4].includes(job.body.batch_size as number) ? (job.body.batch_size as number) : 1;
    return { images: [], videos: Array.from({ length: n }, (_, i) => `${cdn}_${i}.mp4`) };
  }
  if (job.action === 'upscale') return { images: [`${cdn}_up.png`], videos: [] };
  return { images: [0, 1, 2, 3].map((i) => `${cdn}_${i}.png`), videos: [], grid: `${cdn}.png` };
}

const unix = (ms: number) => Math.floor(ms / 1000);

/** `GET /v1/midjourney/{id}`: the A2 shape, with `fail_reason` on FAILURE and video fields on video tasks. */
export function mjTaskBody(job: SimJob, state: SimState): Record<string, unknown> {
  const status = wireStatus(job, state);
  const body: Record<string, unknown> = {
    id: job.id, status, action: job.action.toUpperCase(), progress: `${status === 'MODAL' ? 0 : state.progress(job)}%`,
    prompt: typeof job.body.prompt === 'string' ? job.body.prompt : '', created: unix(job.createdAt),
  };
  if (status === 'CANCEL' && awaitingModal(job)) body.fail_reason = MODAL_EXPIRED;
  else if ((status === 'FAILURE' || status === 'CANCEL') && job.outcome.kind !== 'succeed') body.fail_reason = failReason(job.outcome);
  if (status !== 'SUCCESS') return body;
  const media = mediaOf(job);
  if (media.grid) body.grid_image_url = media.grid;
  if (media.images.length) body.image_urls = media.images;
  if (media.videos.length) Object.assign(body, { video_url: media.videos[0], video_urls: media.videos });
  if (media.text) Object.assign(body, { mode: 'DESCRIBE', prompt: media.text, description: media.text });
  return { ...body, buttons: buttonsOf(job), cost: costOf(job), completed: unix(job.createdAt + job.durationMs) };
}

const UNIFIED_STATUS: Record<WireStatus, string> = {
  NOT_START: 'pending', SUBMITTED: 'pending', IN_PROGRESS: 'processing', MODAL: 'processing', SUCCESS: 'completed', FAILURE: 'failed', CANCEL: 'cancelled',
};

/** What a FAILURE or CANCEL task says in `fail_reason`. */
const failReason = (o: SimJob['outcome']): string | undefined =>
  o.kind === 'fail' ? o.message : o.kind === 'cancel' ? o.message ?? 'the task was cancelled' : undefined;

/** `GET /v1/tasks/{id}`: the A3a shape (`url` as an array; A3b on request); no grid, buttons or describe text. */
export function unifiedTaskBody(job: SimJob, state: SimState): Record<string, unknown> {
  const status = wireStatus(job, state);
  const data: Record<string, unknown> = {
    id: job.id, status: UNIFIED_STATUS[status], progress: status === 'MODAL' ? 0 : state.progress(job),
    created: unix(job.createdAt), estimated_time: Math.ceil(job.durationMs / 1000),
  };
  if (status === 'FAILURE' && job.outcome.kind === 'fail') data.error = { code: job.outcome.code ?? 'task_failed', message: job.outcome.message, type: 'task_failed' };
  if (status === 'SUCCESS') {
    const media = mediaOf(job);
    const expires_at = unix(Date.now()) + 72 * 3600;
    // A3a: one item whose `url` is the list; A3b: one item per image, `url` a string.
    const images = state.serves('apimart-url-string') ? media.images.map((url) => ({ url, expires_at })) : media.images.length ? [{ url: media.images, expires_at }] : [];
    data.result = {
      images,
      ...(media.videos.length ? { videos: [{ url: media.videos, expires_at }] } : {}),
    };
    Object.assign(data, { completed: unix(job.createdAt + job.durationMs), actual_time: Math.ceil(job.durationMs / 1000), cost: costOf(job) });
  }
  return { code: 200, data };
}
