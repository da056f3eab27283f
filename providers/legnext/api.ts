/** Legnext wire basics: base URL, auth header, one path per action. */
import type { Action } from '../types.js';

export const LEGNEXT_DEFAULT_BASE_URL = 'https://api.legnext.ai/api';

export const legnextHeaders = (apiKey: string): Record<string, string> => ({ 'x-api-key': apiKey });

/**
 * Canonical action → Legnext endpoint (canonical `zoom` is Legnext's `outpaint`, `video` its `video-diffusion`,
 * `upscale_hd` its Topaz `enhance-upscale`; an `edit` of an image URL goes to `upload-paint`, see `submit.ts`).
 */
export const LEGNEXT_PATHS: Record<Action, string> = {
  imagine: '/v1/diffusion',
  variation: '/v1/variation',
  upscale: '/v1/upscale',
  reroll: '/v1/reroll',
  remix: '/v1/remix',
  pan: '/v1/pan',
  zoom: '/v1/outpaint',
  inpaint: '/v1/inpaint',
  blend: '/v1/blend',
  describe: '/v1/describe',
  shorten: '/v1/shorten',
  video: '/v1/video-diffusion',
  edit: '/v1/edit',
  retexture: '/v1/retexture',
  remove_background: '/v1/remove-background',
  enhance: '/v1/enhance',
  upscale_hd: '/v1/enhance-upscale',
  video_extend: '/v1/extend-video',
  video_upscale: '/v1/video-upscale',
};
export const LEGNEXT_UPLOAD_PAINT_PATH = '/v1/upload-paint';

/** `GET /account/balance` sits beside `/v1` under the base URL (docs: https://api.legnext.ai/api/account/balance). */
export const LEGNEXT_BALANCE_PATH = '/account/balance';

export const legnextJobPath = (jobId: string) => `/v1/job/${encodeURIComponent(jobId)}`;

/** Legnext bills in points: 1000 points = 1 USD. */
export const POINTS_PER_USD = 1000;
