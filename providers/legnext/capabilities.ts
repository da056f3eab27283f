/** What Legnext runs, and with which options (docs: one endpoint per action, speed as a prompt flag). */
import { declaredRefusal } from '../capabilities.js';
import type { Capabilities, CanonicalRequest, Speed } from '../types.js';

/** Speed is a prompt flag, so only actions with a prompt of their own can carry one; relax does not exist. */
const ROOT_SPEEDS: Speed[] = ['fast', 'turbo'];
const FAST: Speed[] = ['fast'];
const fast = (options: string[], ranges?: Record<string, string>) => ({ speeds: FAST, options, ...(ranges ? { ranges } : {}) });

export const LEGNEXT_CAPABILITIES: Capabilities = {
  callbacks: true,
  actions: {
    imagine: { speeds: ROOT_SPEEDS, options: ['prompt', 'imageUrls'] },
    variation: fast(['strength', 'prompt']),
    upscale: fast(['mode']),
    reroll: fast([]),
    remix: fast(['prompt', 'strength']),
    pan: fast(['direction', 'scale', 'prompt']),
    zoom: fast(['scale', 'prompt']),
    inpaint: fast(['mask.url', 'mask.areas', 'prompt']),
    blend: fast(['imageUrls', 'aspectRatio']),
    describe: fast(['imageUrl']),
    shorten: fast(['prompt']),
    video: fast(['imageUrl', 'prompt', 'resolution', 'motion', 'loop', 'endImageUrl', 'batchSize', 'raw']),
    edit: fast(['imageUrl', 'prompt', 'canvas', 'imagePosition', 'mask.url', 'mask.areas']),
    retexture: fast(['imageUrl', 'prompt']),
    remove_background: fast(['imageUrl']),
    enhance: fast([]),
    upscale_hd: fast(['imageUrl', 'resolution', 'contentType', 'aspectRatio', 'cropMode', 'format', 'faceEnhancement']),
    video_extend: fast(['prompt']),
    video_upscale: fast([]),
  },
};

/** `--v 8`, `--v 8.1`, `--version 8…`: the V8 family takes no turbo (docs lines ~206, ~214, ~252). */
const V8 = /(^|\s)--v(?:ersion)?\s+8(?:\.\d+)?(\s|$)/;

export function unsupportedByLegnext(req: CanonicalRequest): string | null {
  const declared = declaredRefusal('Legnext', LEGNEXT_CAPABILITIES, req);
  if (declared) return declared;
  const cap = LEGNEXT_CAPABILITIES.actions[req.action]!;
  if (req.speed === 'relax') return 'Legnext has no relax mode (fast and turbo only)';
  if (req.speed && !cap.speeds.includes(req.speed)) return `Legnext takes speed only in a prompt, so ${req.action} runs at fast only`;
  if (req.speed === 'turbo' && req.action === 'imagine' && V8.test(req.prompt)) return 'Legnext refuses turbo on Midjourney V8 / V8.1 models';
  return null;
}
