/** What APIMart runs, and the requests it cannot take whatever the parent. */
import type { Capabilities, CanonicalRequest, Speed } from '../types.js';

const IMAGE_SPEEDS: Speed[] = ['relax', 'fast', 'turbo'];

/** Every MJ route takes `speed` except video, which is always fast. No callback is documented: polling only. */
export const APIMART_CAPABILITIES: Capabilities = {
  callbacks: false,
  actions: {
    imagine: { speeds: IMAGE_SPEEDS, options: ['prompt', 'imageUrls'] },
    variation: { speeds: IMAGE_SPEEDS, options: ['strength'] },
    upscale: { speeds: IMAGE_SPEEDS, options: ['mode'] },
    reroll: { speeds: IMAGE_SPEEDS, options: [] },
    remix: { speeds: IMAGE_SPEEDS, options: ['prompt', 'strength'] },
    pan: { speeds: IMAGE_SPEEDS, options: ['direction'] },
    zoom: { speeds: IMAGE_SPEEDS, options: ['scale'] },
    inpaint: { speeds: IMAGE_SPEEDS, options: ['mask.url', 'prompt'] },
    blend: { speeds: IMAGE_SPEEDS, options: ['imageUrls (2-4)', 'aspectRatio'] },
    describe: { speeds: IMAGE_SPEEDS, options: ['imageUrl'] },
    video: { speeds: ['fast'], options: ['taskId+index', 'imageUrl', 'prompt', 'resolution'] },
  },
};

/**
 * Null when APIMart can run the request. A prompt APIMart has no field for is refused rather than dropped, so the
 * router can pick a provider that honours it; pan `scale` alone is dropped (Midjourney's pan has a fixed extent).
 */
export function unsupportedByApimart(req: CanonicalRequest): string | null {
  const cap = APIMART_CAPABILITIES.actions[req.action];
  if (!cap) return `APIMart has no ${req.action}`;
  if (req.speed && !cap.speeds.includes(req.speed)) return `APIMart runs ${req.action} at ${cap.speeds.join('/')} only`;
  switch (req.action) {
    case 'inpaint':
      return 'url' in req.mask ? null : 'APIMart inpaints with a mask image (mask.url), not with polygon areas';
    case 'blend':
      return req.imageUrls.length >= 2 && req.imageUrls.length <= 4 ? null : 'APIMart blends 2 to 4 images';
    case 'variation':
      return req.prompt ? "APIMart's variation takes no prompt (remix does)" : null;
    case 'pan':
    case 'zoom':
      return req.prompt ? `APIMart's ${req.action} takes no prompt` : null;
    case 'video':
      return !req.taskId && !req.prompt ? 'APIMart needs a prompt to animate an image URL' : null;
    default:
      return null;
  }
}
