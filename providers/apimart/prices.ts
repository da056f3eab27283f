/**
 * APIMart publishes no per-action USD table (it reports `cost` per finished task): Legnext's list (providers.md §3.2)
 * is the estimate until `prices.<id|apimart>` says otherwise; the settled amount is what APIMart reports.
 * Written out here, as adapters import no other adapter.
 */
import type { ListPrices } from '../types.js';

export const APIMART_LIST_PRICES_USD: ListPrices = {
  imagine: 0.08, variation: 0.12, upscale: 0.12, reroll: 0.08, remix: 0.12, pan: 0.08, zoom: 0.08, inpaint: 0.12,
  blend: 0.08, describe: 0.02, shorten: 0.02, video: 0.48, retexture: 0.12,
};
