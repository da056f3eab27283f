/** What APIMart runs, and the requests it cannot take whatever the parent. */
import { declaredRefusal } from '../capabilities.js';
import type { Capabilities, CanonicalRequest, Speed } from '../types.js';

const IMAGE_SPEEDS: Speed[] = ['relax', 'fast', 'turbo'];

/** Every MJ route takes `speed` except video, which is always fast. No callback is documented: polling only. */
export const APIMART_CAPABILITIES: Capabilities = {
  callbacks: false,
  actions: {
    imagine: { speeds: IMAGE_SPEEDS, options: ['prompt', 'imageUrls'] },
    variation: { speeds: IMAGE_SPEEDS, options: ['strength'] },
    // A grid image's upscale is a crop: with a `mode`, the crop is made first and upscaled by its button (steps.ts).
    upscale: { speeds: IMAGE_SPEEDS, options: ['mode'] },
    reroll: { speeds: IMAGE_SPEEDS, options: [] },
    remix: { speeds: IMAGE_SPEEDS, options: ['prompt', 'strength'] },
    // Pan has a fixed extent (no `scale`); zoom takes `zoom_ratio` but only as 1.5× or 2×.
    pan: { speeds: IMAGE_SPEEDS, options: ['direction'] },
    zoom: { speeds: IMAGE_SPEEDS, options: ['scale'], ranges: { scale: '1.5 or 2' } },
    inpaint: { speeds: IMAGE_SPEEDS, options: ['mask.url', 'prompt'] },
    blend: { speeds: IMAGE_SPEEDS, options: ['imageUrls', 'aspectRatio'], ranges: { imageUrls: '2-4 images' } },
    describe: { speeds: IMAGE_SPEEDS, options: ['imageUrl'] },
    // `edits` rewrites a whole image from a prompt (no canvas, position or mask): that is retexture, never `edit`.
    retexture: { speeds: IMAGE_SPEEDS, options: ['imageUrl', 'prompt'] },
    // Its own video fields: `motion`, `batch_size`, `end_url`; no loop and no raw.
    video: { speeds: ['fast'], options: ['imageUrl', 'prompt', 'resolution', 'motion', 'endImageUrl', 'batchSize'] },
  },
};

/**
 * Null when APIMart can run the request. An option APIMart has no field for (a pan `scale`, a variation prompt) is
 * refused by name rather than dropped, so the router can pick a provider that honours it.
 */
export function unsupportedByApimart(req: CanonicalRequest): string | null {
  const declared = declaredRefusal('APIMart', APIMART_CAPABILITIES, req);
  if (declared) return declared;
  const cap = APIMART_CAPABILITIES.actions[req.action]!;
  if (req.speed && !cap.speeds.includes(req.speed)) return `APIMart runs ${req.action} at ${cap.speeds.join('/')} only`;
  switch (req.action) {
    case 'inpaint':
      return 'url' in req.mask ? null : 'APIMart inpaints with a mask image (mask.url), not with polygon areas';
    case 'blend':
      return req.imageUrls.length >= 2 && req.imageUrls.length <= 4 ? null : 'APIMart blends 2 to 4 images';
    case 'zoom':
      // zoom_ratio <2 runs "Zoom Out 1.5x", else "Zoom Out 2x": any other scale would be rounded, so it is refused.
      return req.scale === undefined || req.scale === 1.5 || req.scale === 2 ? null : `APIMart does not honour the option "scale" ${req.scale} of zoom (1.5 or 2 only)`;
    case 'video':
      return !req.taskId && !req.prompt ? 'APIMart needs a prompt to animate an image URL' : null;
    default:
      return null;
  }
}

