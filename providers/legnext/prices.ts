/** Legnext's list prices: its frozen points per action (providers.md §3.2; 1000 points = $1). Zoom is Legnext's outpaint. */
import type { Action } from '../types.js';

export const LEGNEXT_LIST_PRICES_USD: Readonly<Record<Action, number>> = {
  imagine: 0.08, variation: 0.12, upscale: 0.12, reroll: 0.08, remix: 0.12, pan: 0.08, zoom: 0.08, inpaint: 0.12,
  blend: 0.08, describe: 0.02, shorten: 0.02, video: 0.48,
};
