/** The APIMart simulator's request checks, as documented per endpoint (ranges, enums, parent tasks, MODAL). */
import type { SimJob, SimState } from '../sim/kit.js';
import { awaitingModal, buttonsOf, isGrid, isSuccess, modalExpired } from './simulator-tasks.js';

/** A refusal as the MJ routes answer it: HTTP status plus body `code` (3 not found, 4 validation). */
export interface Problem { status: number; code: number; message: string }

type Body = Record<string, unknown>;

const bad = (message: string): Problem => ({ status: 400, code: 4, message });
const notFound = (id: unknown): Problem => ({ status: 404, code: 3, message: `task ${String(id)} not found` });
const isText = (v: unknown) => typeof v === 'string' && v.length > 0;
const isInt = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isUrls = (v: unknown, min: number, max: number) => Array.isArray(v) && v.length >= min && v.length <= max && v.every(isText);

const SPEEDS = ['relax', 'fast', 'turbo'];
const DIRECTIONS = ['left', 'right', 'up', 'down'];
const DIMENSIONS = ['SQUARE', 'PORTRAIT', 'LANDSCAPE'];
const VIDEO_TYPES = ['vid_1.1_i2v_480', 'vid_1.1_i2v_720', 'vid_1.1_i2v_start_end_480', 'vid_1.1_i2v_start_end_720'];

function withParent(b: Body, state: SimState, check: (parent: SimJob) => Problem | null): Problem | null {
  if (!isText(b.task_id)) return bad('task_id is required');
  const job = state.jobs.get(b.task_id as string);
  if (!job || job.outcome.kind === 'vanish') return notFound(b.task_id);
  if (!isSuccess(job, state)) return bad(`task ${job.id} is not in SUCCESS state`);
  return check(job);
}

function index(b: Body, required: boolean): Problem | null {
  if (b.index === undefined && !required) return null;
  return isInt(b.index, 1, 4) ? null : bad('index must be 1-4');
}

/** `custom_id` must be one of the parent's buttons, and replaces `index`. */
function button(b: Body, parent: SimJob, orIndex: () => Problem | null): Problem | null {
  if (b.custom_id === undefined) return orIndex();
  if (b.index !== undefined) return bad('custom_id and index are mutually exclusive');
  return buttonsOf(parent).some((x) => x.customId === b.custom_id) ? null : bad(`custom_id ${JSON.stringify(b.custom_id)} is not a button of task ${parent.id}`);
}

const upscaled = (p: SimJob): Problem | null => (p.action === 'upscale' ? null : bad('This action requires an upscaled task (upscale an image first)'));

function modal(b: Body, state: SimState): Problem | null {
  if (!isText(b.task_id)) return bad('task_id is required');
  const job = state.jobs.get(b.task_id as string);
  if (!job || job.outcome.kind === 'vanish') return notFound(b.task_id);
  if (!awaitingModal(job) || modalExpired(job)) return bad(`task ${job.id} is not in MODAL state`);
  return b.mask_url === undefined || isText(b.mask_url) ? null : bad('mask_url must be a URL or a data URL');
}

function video(b: Body, state: SimState): Problem | null {
  if (b.speed !== undefined) return bad('video takes no speed (it always runs fast)');
  if (b.video_type !== undefined && !VIDEO_TYPES.includes(b.video_type as string)) return bad('unknown video_type');
  if (b.task_id !== undefined) {
    return withParent(b, state, (p) => (!isInt(b.index, 0, 3) ? bad('index must be 0-3') : p.action === 'imagine' ? null : bad('video needs an imagine task')));
  }
  if (!isUrls(b.image_urls, 1, 1)) return bad('image_urls (one first frame) or task_id is required');
  return isText(b.prompt) ? null : bad('prompt is required without task_id');
}

/** Null when the request is acceptable; `endpoint` is the path after `/v1/midjourney/generations/`. */
export function validateApimart(endpoint: string, b: Body, state: SimState): Problem | null {
  if (b.speed !== undefined && !SPEEDS.includes(b.speed as string)) return bad('speed must be relax, fast or turbo');
  switch (endpoint) {
    case 'imagine':
      return isText(b.prompt) ? null : bad('prompt is required');
    case 'upscale':
      return withParent(b, state, (p) => button(b, p, () => (isGrid(p) ? index(b, true) : bad('only an imagine, variation or reroll grid can be upscaled by index'))));
    case 'variation':
    case 'high-variation':
    case 'low-variation':
      return withParent(b, state, (p) => button(b, p, () => index(b, true)));
    case 'reroll':
      return withParent(b, state, (p) => (['imagine', 'reroll'].includes(p.action) ? null : bad('only an imagine or reroll grid can be rerolled')));
    case 'remix-strong':
    case 'remix-subtle':
      return withParent(b, state, () => index(b, true));
    case 'pan':
      return withParent(b, state, (p) => upscaled(p) ?? button(b, p, () => (DIRECTIONS.includes(b.direction as string) ? index(b, false) : bad('direction must be left, right, up or down'))));
    case 'zoom':
      return withParent(b, state, (p) => upscaled(p) ?? (b.zoom_ratio === undefined || typeof b.zoom_ratio === 'number' ? index(b, false) : bad('zoom_ratio must be a number')));
    case 'inpaint':
      return withParent(b, state, (p) => upscaled(p) ?? index(b, false));
    case 'modal':
      return modal(b, state);
    case 'blend':
      if (!isUrls(b.image_urls, 2, 4)) return bad('image_urls must hold 2-4 images');
      return b.dimensions === undefined || DIMENSIONS.includes(b.dimensions as string) ? null : bad('dimensions must be SQUARE, PORTRAIT or LANDSCAPE');
    case 'describe':
      return isUrls(b.image_urls, 1, 10) ? null : bad('image_urls is required');
    case 'edits':
      return !isText(b.prompt) ? bad('prompt is required') : isUrls(b.image_urls, 1, 10) ? null : bad('image_urls is required');
    case 'video':
      return video(b, state);
    default:
      return { status: 404, code: 3, message: `unknown endpoint /v1/midjourney/generations/${endpoint}` };
  }
}
