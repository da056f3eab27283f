/** Canonical request → Legnext body for the later endpoints: edit / upload-paint, retexture, background, enhance, Topaz, video follow-ups. */
import type { CanonicalRequest } from '../types.js';
import { LEGNEXT_PATHS, LEGNEXT_UPLOAD_PAINT_PATH } from './api.js';

export const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

type Later = Extract<CanonicalRequest, { action: 'edit' | 'retexture' | 'remove_background' | 'enhance' | 'upscale_hd' | 'video_extend' | 'video_upscale' }>;
type Others = Exclude<CanonicalRequest, Later>;

/** Legnext's Topaz field values; `format` maps 1:1 (its `jpg`/`tif` aliases are never sent). */
function topaz(req: Extract<CanonicalRequest, { action: 'upscale_hd' }>): Record<string, unknown> {
  return {
    target_resolution: req.resolution, content_type: req.contentType, aspect_ratio: req.aspectRatio, crop_mode: req.cropMode,
    output_format: req.format, face_enhancement_level: req.faceEnhancement,
  };
}

export function catalogueRequest(req: Later | Others, jobId: string | undefined, callback: string | undefined): { path: string; body: Record<string, unknown> } {
  const path = LEGNEXT_PATHS[req.action];
  switch (req.action) {
    case 'edit': {
      const geometry = { canvas: req.canvas, imgPos: req.imagePosition, remixPrompt: req.prompt, mask: req.mask, callback };
      if (req.imageUrl !== undefined) return { path: LEGNEXT_UPLOAD_PAINT_PATH, body: compact({ imgUrl: req.imageUrl, ...geometry }) };
      return { path, body: compact({ jobId, imageNo: (req.index ?? 1) - 1, ...geometry }) };
    }
    case 'retexture':
      return { path, body: compact({ imgUrl: req.imageUrl, remixPrompt: req.prompt, callback }) };
    case 'remove_background':
      return { path, body: compact({ imgUrl: req.imageUrl, callback }) };
    case 'enhance':
      return { path, body: compact({ jobId, imageNo: req.index - 1, callback }) };
    case 'upscale_hd': {
      // Topaz takes snake_case `image_url` where every other endpoint says `imgUrl` (docs line ~3121).
      const source = req.imageUrl !== undefined ? { image_url: req.imageUrl } : { jobId, imageNo: (req.index ?? 1) - 1 };
      return { path, body: compact({ ...source, ...topaz(req), callback }) };
    }
    case 'video_extend':
      return { path, body: compact({ jobId, videoNo: req.index - 1, prompt: req.prompt, callback }) };
    case 'video_upscale':
      return { path, body: compact({ jobId, videoNo: req.index - 1, callback }) };
    default:
      throw new Error(`no Legnext request for ${req.action}`);
  }
}
