/** Canonical request → Legnext request body. Index 1–4 becomes `imageNo` 0–3; speed travels as a prompt flag. */
import type { CanonicalRequest, SubmitInput } from '../types.js';
import { LEGNEXT_PATHS } from './api.js';
import { catalogueRequest, compact } from './submit-catalogue.js';

const PAN_DIRECTION = { down: 0, right: 1, up: 2, left: 3 } as const;
/** Legnext requires `scale` for pan; Midjourney's own pan extends by 1.5×, used when the client gives none. [I] */
const DEFAULT_PAN_SCALE = 1.5;
const DEFAULT_ZOOM_SCALE = 2;

/** `--fast` is Legnext's default, so only turbo needs a flag; relax is refused before we get here. */
function withSpeed(text: string, speed: CanonicalRequest['speed']): string {
  return speed === 'turbo' ? `${text} --turbo` : speed === 'fast' ? `${text} --fast` : text;
}


/** Video options travel as prompt flags, in the order of the docs' combined example (lines ~2780). */
function videoFlags(req: Extract<CanonicalRequest, { action: 'video' }>): string {
  const flags = [
    req.motion && `--motion ${req.motion}`, req.raw && '--raw', req.endImageUrl && `--end ${req.endImageUrl}`, req.loop && '--loop',
    req.batchSize !== undefined && `--bs ${req.batchSize}`,
  ];
  return flags.filter(Boolean).join(' ');
}

export function legnextRequest(input: SubmitInput): { path: string; body: Record<string, unknown> } {
  const req = input.request;
  const jobId = input.parent?.upstreamId;
  const callback = input.callbackUrl;
  const path = LEGNEXT_PATHS[req.action];
  switch (req.action) {
    case 'imagine': {
      // Image prompts go in front of the text, as Midjourney reads them.
      const text = [...(req.imageUrls ?? []), req.prompt].join(' ');
      return { path, body: compact({ text: withSpeed(text, req.speed), callback }) };
    }
    case 'variation':
      return { path, body: compact({ jobId, imageNo: req.index - 1, type: req.strength === 'strong' ? 1 : 0, remixPrompt: req.prompt, callback }) };
    case 'upscale':
      return { path, body: compact({ jobId, imageNo: req.index - 1, type: req.mode === 'creative' ? 1 : 0, callback }) };
    case 'reroll':
      return { path, body: compact({ jobId, callback }) };
    case 'remix':
      return { path, body: compact({ jobId, imageNo: req.index - 1, remixPrompt: req.prompt, mode: req.strength === 'subtle' ? 1 : 0, callback }) };
    case 'pan':
      return { path, body: compact({ jobId, imageNo: req.index - 1, direction: PAN_DIRECTION[req.direction], scale: req.scale ?? DEFAULT_PAN_SCALE, remixPrompt: req.prompt, callback }) };
    case 'zoom':
      return { path, body: compact({ jobId, imageNo: req.index - 1, scale: req.scale ?? DEFAULT_ZOOM_SCALE, remixPrompt: req.prompt, callback }) };
    case 'inpaint':
      return { path, body: compact({ jobId, imageNo: req.index - 1, mask: req.mask, remixPrompt: req.prompt, callback }) };
    case 'blend':
      return { path, body: compact({ imgUrls: req.imageUrls, aspect_ratio: req.aspectRatio ?? '1:1', callback }) };
    case 'describe':
      return { path, body: compact({ imgUrl: req.imageUrl, callback }) };
    case 'shorten':
      return { path, body: compact({ prompt: req.prompt, callback }) };
    case 'video': {
      const videoType = req.resolution === '720p' ? 1 : 0;
      const flags = videoFlags(req);
      if (jobId !== undefined && req.index !== undefined) {
        const prompt = [req.prompt, flags].filter(Boolean).join(' ') || undefined;
        return { path, body: compact({ jobId, imageNo: req.index - 1, prompt, videoType, callback }) };
      }
      // The docs' examples put the bare URL first: "https://…/image.jpg your prompt text" (no brackets).
      const prompt = [req.imageUrl, req.prompt, flags].filter(Boolean).join(' ');
      return { path, body: compact({ prompt, videoType, callback }) };
    }
    default:
      return catalogueRequest(req, jobId, callback);
  }
}
