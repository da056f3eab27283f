/** Legnext's list prices: its frozen points per action (providers.md §3.2; 1000 points = $1). Zoom is Legnext's outpaint. */
import type { ListPrices } from '../types.js';

/**
 * The later endpoints' frozen points are in their documented answers (edit/retexture 120, remove-background and
 * enhance 80, extend-video and video-upscale 480). `upscale_hd` costs 120–540 points by resolution: the estimate is
 * the dearest (12K), settled by the points the job reports.
 */
export const LEGNEXT_LIST_PRICES_USD: ListPrices = {
  imagine: 0.08, variation: 0.12, upscale: 0.12, reroll: 0.08, remix: 0.12, pan: 0.08, zoom: 0.08, inpaint: 0.12,
  blend: 0.08, describe: 0.02, shorten: 0.02, video: 0.48,
  edit: 0.12, retexture: 0.12, remove_background: 0.08, enhance: 0.08, upscale_hd: 0.54, video_extend: 0.48, video_upscale: 0.48,
};
