/**
 * Canonical request → APIMart call: one endpoint per action, index 1–4 as is (video 0–3), `speed` always sent.
 * Pan, zoom and inpaint need an upscaled image, so on a grid parent the first call is an upscale (see steps.ts).
 */
import type { ParentRef, RequestOf, Speed, SubmitInput } from '../types.js';
import { ProviderError } from '../types.js';
import { APIMART_PATHS, type ApimartButton, type ApimartState } from './api.js';

export interface WireCall { path: string; body: Record<string, unknown> }

/** APIMart's own default is relax (slow queue); a client that names no speed gets fast, as on the other providers. */
export const DEFAULT_SPEED: Speed = 'fast';

const DIMENSIONS = { '2:3': 'PORTRAIT', '1:1': 'SQUARE', '3:2': 'LANDSCAPE' } as const;
/** Canonical zoom defaults to 2 (Zoom Out 2x); APIMart reads `zoom_ratio` < 2 as 1.5x and ≥ 2 as 2x. */
const DEFAULT_ZOOM_RATIO = 2;

type OnUpscaled = RequestOf<'pan' | 'zoom' | 'inpaint' | 'upscale'>;

const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Sent on every image action, upscale included: it does nothing on a crop, but a button upscale runs on Midjourney. */
const speedOf = (req: { speed?: Speed }): Speed => req.speed ?? DEFAULT_SPEED;

/** A multi-step parent's result lives on its last upstream task, not on the id the gateway keyed it by. */
export function parentTaskId(parent: ParentRef | undefined): string {
  if (!parent) throw new ProviderError('invalid_request', 'a follow-up was submitted without its parent task');
  const current = parent.state.currentTaskId;
  return typeof current === 'string' && current.length > 0 ? current : parent.upstreamId;
}

/** Only an upscale yields the single image that pan, zoom and inpaint work on. */
export const isUpscaled = (parent: ParentRef | undefined): boolean => parent?.action === 'upscale';

/**
 * Pan, zoom and inpaint always; an upscale only with a `mode` its parent has no upsample button for: a grid image's
 * upscale is a crop, so the crop comes first and the subtle/creative upscale is sent on it.
 */
function needsUpscaled(req: SubmitInput['request'], parent: ParentRef | undefined): req is OnUpscaled {
  if (req.action === 'upscale') return req.mode !== undefined && !upsampleButton(parent, req.mode, req.index);
  return req.action === 'pan' || req.action === 'zoom' || req.action === 'inpaint';
}

/** The first upstream call of a request, and the state that tells `poll()` what comes next. */
export function apimartPlan(input: SubmitInput): { call: WireCall; state: ApimartState } {
  const req = input.request;
  if (needsUpscaled(req, input.parent) && !isUpscaled(input.parent)) {
    const body = { task_id: parentTaskId(input.parent), index: req.index, speed: speedOf(req) };
    return { call: { path: APIMART_PATHS.upscale, body }, state: { step: 'upscale' } };
  }
  return { call: apimartRequest(input), state: {} };
}

/**
 * The action itself on an upscaled task. It has one image, so no index is sent (APIMart defaults it to 1); an upscale
 * names the upscaled task's button for its mode (`buttons`: that task's, as its reading gave them).
 */
export function onUpscaled(req: OnUpscaled, taskId: string, buttons: ApimartButton[] = []): WireCall {
  const speed = speedOf(req);
  switch (req.action) {
    case 'upscale': {
      const customId = upsampleButton({ upstreamId: taskId, action: 'upscale', state: { buttons }, output: null }, req.mode ?? 'subtle', 1);
      // Without the button, `index` is sent and APIMart refuses it (an upscaled task has no crops): the task fails.
      return { path: APIMART_PATHS.upscale, body: { task_id: taskId, ...(customId ? { custom_id: customId } : { index: 1 }), speed } };
    }
    case 'pan':
      // Midjourney's pan has a fixed extent and APIMart takes no scale: canonical `scale` is not sent.
      return { path: APIMART_PATHS.pan, body: { task_id: taskId, direction: req.direction, speed } };
    case 'zoom':
      return { path: APIMART_PATHS.zoom, body: { task_id: taskId, zoom_ratio: req.scale ?? DEFAULT_ZOOM_RATIO, speed } };
    case 'inpaint':
      // Step 1 of 2: the task stops in MODAL until `/modal` brings the mask (see steps.ts).
      return { path: APIMART_PATHS.inpaint, body: { task_id: taskId, speed } };
  }
}

/** Inpaint step 2: the mask (and prompt, else the parent's is inherited) for the task waiting in MODAL. */
export function modalCall(req: RequestOf<'inpaint'>, taskId: string): WireCall {
  const maskUrl = 'url' in req.mask ? req.mask.url : undefined;
  return { path: APIMART_PATHS.modal, body: compact({ task_id: taskId, prompt: req.prompt, mask_url: maskUrl }) };
}

/**
 * A subtle/creative upsample button of the parent (`MJ::JOB::upsample_v7_2x_creative::1::…`), if it has one. A grid
 * only has U1–U4 crop buttons, so there the plain `upscale` (the crop) is sent; the HD upscale is reached by
 * upscaling that upscaled image, whose buttons carry these ids (its one image: any index matches).
 */
export function upsampleButton(parent: ParentRef | undefined, mode: 'subtle' | 'creative', index: number): string | undefined {
  const buttons = Array.isArray(parent?.state.buttons) ? (parent.state.buttons as ApimartButton[]) : [];
  const anyIndex = isUpscaled(parent);
  return buttons.find((b) => typeof b?.customId === 'string' && /upsample/i.test(b.customId) && b.customId.includes(`_${mode}`)
    && (anyIndex || b.customId.includes(`::${index}::`)))?.customId;
}

/** The one call of a single-step action (and of pan/zoom/inpaint on an upscaled parent). */
export function apimartRequest(input: SubmitInput): WireCall {
  const req = input.request;
  const task = () => parentTaskId(input.parent);
  switch (req.action) {
    case 'imagine':
      return { path: APIMART_PATHS.imagine, body: compact({ prompt: req.prompt, image_urls: req.imageUrls?.length ? req.imageUrls : undefined, speed: speedOf(req) }) };
    case 'variation':
      return { path: req.strength === 'strong' ? APIMART_PATHS.highVariation : APIMART_PATHS.variation, body: { task_id: task(), index: req.index, speed: speedOf(req) } };
    case 'upscale': {
      const customId = upsampleButton(input.parent, req.mode ?? 'subtle', req.index);
      // `custom_id` and `index` are mutually exclusive on APIMart.
      const pick = customId ? { custom_id: customId } : { index: req.index };
      return { path: APIMART_PATHS.upscale, body: { task_id: task(), ...pick, speed: speedOf(req) } };
    }
    case 'reroll':
      return { path: APIMART_PATHS.reroll, body: { task_id: task(), speed: speedOf(req) } };
    case 'remix':
      return { path: req.strength === 'subtle' ? APIMART_PATHS.remixSubtle : APIMART_PATHS.remixStrong, body: { task_id: task(), index: req.index, prompt: req.prompt, speed: speedOf(req) } };
    case 'pan':
    case 'zoom':
    case 'inpaint':
      return onUpscaled(req, task());
    case 'blend':
      return { path: APIMART_PATHS.blend, body: { image_urls: req.imageUrls, dimensions: DIMENSIONS[req.aspectRatio ?? '1:1'], speed: speedOf(req) } };
    case 'describe':
      return { path: APIMART_PATHS.describe, body: { image_urls: [req.imageUrl], speed: speedOf(req) } };
    case 'retexture':
      return { path: APIMART_PATHS.edits, body: { prompt: req.prompt, image_urls: [req.imageUrl], speed: speedOf(req) } };
    case 'video': {
      // Video runs at fast only and takes no speed field; its index alone is 0-based.
      const video_type = req.resolution === '720p' ? 'vid_1.1_i2v_720' : 'vid_1.1_i2v_480';
      // APIMart's own video fields; an `end_url` upgrades the type to start_end_* on its side. `loop`/`raw` are refused earlier.
      const extra = { motion: req.motion, batch_size: req.batchSize, end_url: req.endImageUrl };
      if (input.parent) return { path: APIMART_PATHS.video, body: compact({ task_id: task(), index: (req.index ?? 1) - 1, prompt: req.prompt, video_type, ...extra }) };
      if (!req.imageUrl) throw new ProviderError('invalid_request', 'a video needs a parent task or an image URL');
      return { path: APIMART_PATHS.video, body: compact({ image_urls: [req.imageUrl], prompt: req.prompt, video_type, ...extra }) };
    }
    default:
      throw new ProviderError('invalid_request', `APIMart has no ${req.action}`);
  }
}
