/** Vtrix (the aggregator) wire basics: base URL, bearer auth, one submit path with `model`, the task path, body styles. */
import type { Action } from '../types.js';

export const AGGREGATOR_DEFAULT_BASE_URL = 'https://cloud.vtrix.ai';

export const aggregatorHeaders = (apiKey: string): Record<string, string> => ({ authorization: `Bearer ${apiKey}` });

export const SUBMIT_PATH = '/model/v1/generation';
export const taskPath = (id: string) => `/model/v1/generation/task/${encodeURIComponent(id)}`;

/**
 * Canonical action → `model` id. Documented on doc.vtrix.ai: diffusion, variation, upscale, remix, inpaint.
 * [I] reroll, pan, outpaint, blend, describe, shorten and video_diffusion are not in the docs; they follow the
 * Legnext endpoint names this provider mirrors 1:1 (Legnext's `video-diffusion` task type is `video_diffusion`).
 */
export const AGGREGATOR_MODELS: Partial<Record<Action, string>> = {
  imagine: 'midjourney_diffusion',
  variation: 'midjourney_variation',
  upscale: 'midjourney_upscale',
  reroll: 'midjourney_reroll',
  remix: 'midjourney_remix',
  pan: 'midjourney_pan',
  zoom: 'midjourney_outpaint',
  inpaint: 'midjourney_inpaint',
  blend: 'midjourney_blend',
  describe: 'midjourney_describe',
  shorten: 'midjourney_shorten',
  video: 'midjourney_video_diffusion',
  // Documented (midjourney-edit); an edit of an image URL is `midjourney_uploadpaint` (see submit.ts).
  edit: 'midjourney_edit',
};
export const AGGREGATOR_UPLOAD_PAINT_MODEL = 'midjourney_uploadpaint';

/**
 * How the submit body is laid out (`options.bodyStyle` in the provider's config):
 * - `flat` (default): `{model, ...params}`, as the model pages list `model` next to the other parameters.
 * - `wrapped`: `{model, input: [{params}]}`, what the official CLI sends (SeaCloud calls it the "legacy wrapper").
 * The docs do not settle which one the REST API wants [?]; the simulator takes both.
 */
export type BodyStyle = 'flat' | 'wrapped';

export function bodyStyleOf(options: Record<string, unknown> | undefined): BodyStyle {
  const raw = options?.bodyStyle;
  if (raw === undefined || raw === 'flat' || raw === 'wrapped') return raw ?? 'flat';
  throw new Error(`aggregator option bodyStyle must be "flat" or "wrapped", got ${JSON.stringify(raw)}`);
}

export function wireBody(style: BodyStyle, model: string, params: Record<string, unknown>): Record<string, unknown> {
  return style === 'wrapped' ? { model, input: [{ params }] } : { model, ...params };
}

/** Model ids in use (the unconfirmed [I] ones above are the reason this is configurable): `options.models` (`{reroll: "midjourney_reroll", …, uploadpaint: "…"}`) over the defaults. */
export interface ModelIds { byAction: Partial<Record<Action, string>>; uploadPaint: string }

export function modelsOf(options: Record<string, unknown> | undefined): ModelIds {
  const raw = options?.models;
  const out: ModelIds = { byAction: { ...AGGREGATOR_MODELS }, uploadPaint: AGGREGATOR_UPLOAD_PAINT_MODEL };
  if (raw === undefined) return out;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('aggregator option models must map actions to model ids');
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(value)) throw new Error(`aggregator option models.${key} must be a model id`);
    if (key === 'uploadpaint') out.uploadPaint = value;
    else if (Object.hasOwn(AGGREGATOR_MODELS, key)) out.byAction[key as Action] = value;
    else throw new Error(`aggregator option models.${key}: not an action this provider runs (${Object.keys(AGGREGATOR_MODELS).join(', ')}, uploadpaint)`);
  }
  return out;
}
