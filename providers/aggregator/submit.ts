/** Canonical request → aggregator `model` + params (Legnext's field names: index 1–4 becomes `imageNo` 0–3). */
import { ProviderError, type ParentRef, type SubmitInput } from '../types.js';
import { AGGREGATOR_MODELS, AGGREGATOR_UPLOAD_PAINT_MODEL, type ModelIds } from './api.js';

const PAN_DIRECTION = { down: 0, right: 1, up: 2, left: 3 } as const;
/** Pan needs `scale`; Midjourney's own pan extends by 1.5×, used when the client gives none. [I] */
const DEFAULT_PAN_SCALE = 1.5;
const DEFAULT_ZOOM_SCALE = 2;

const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * The id a follow-up names its parent by. The docs only say "Job ID" [?]; the CLI fixtures and the Veo page point at
 * the upstream job id in `output[].content[].jobId` [I], which `job.ts` stores as `state.jobId`. It is sent when
 * known; the aggregator task id is the fallback for a parent whose result carried none.
 */
export function parentJobId(parent: ParentRef | undefined): string | undefined {
  const fromOutput = parent?.state.jobId;
  return typeof fromOutput === 'string' && fromOutput.length > 0 ? fromOutput : parent?.upstreamId;
}

/** The `model` id and its params (callback included), before the body style lays them out. */
export function aggregatorRequest(input: SubmitInput, models: ModelIds = { byAction: AGGREGATOR_MODELS, uploadPaint: AGGREGATOR_UPLOAD_PAINT_MODEL }): { model: string; params: Record<string, unknown> } {
  const req = input.request;
  const model = models.byAction[req.action] ?? '';
  const jobId = parentJobId(input.parent);
  const callback = input.callbackUrl;
  const params = (o: Record<string, unknown>) => ({ model, params: compact({ ...o, callback }) });
  switch (req.action) {
    case 'imagine':
      // Image prompts go in front of the text, as Midjourney reads them; there is no speed to add.
      return params({ text: [...(req.imageUrls ?? []), req.prompt].join(' ') });
    case 'variation':
      return params({ jobId, imageNo: req.index - 1, type: req.strength === 'strong' ? 1 : 0, remixPrompt: req.prompt });
    case 'upscale':
      return params({ jobId, imageNo: req.index - 1, type: req.mode === 'creative' ? 1 : 0 });
    case 'reroll':
      return params({ jobId });
    case 'remix':
      return params({ jobId, imageNo: req.index - 1, remixPrompt: req.prompt, mode: req.strength === 'subtle' ? 1 : 0 });
    case 'pan':
      return params({ jobId, imageNo: req.index - 1, direction: PAN_DIRECTION[req.direction], scale: req.scale ?? DEFAULT_PAN_SCALE, remixPrompt: req.prompt });
    case 'zoom':
      return params({ jobId, imageNo: req.index - 1, scale: req.scale ?? DEFAULT_ZOOM_SCALE, remixPrompt: req.prompt });
    case 'inpaint':
      return params({ jobId, imageNo: req.index - 1, mask: req.mask, remixPrompt: req.prompt });
    case 'blend':
      return params({ imgUrls: req.imageUrls, aspect_ratio: req.aspectRatio ?? '1:1' });
    case 'describe':
      return params({ imgUrl: req.imageUrl });
    case 'shorten':
      return params({ prompt: req.prompt });
    case 'video': {
      const videoType = req.resolution === '720p' ? 1 : 0;
      if (jobId !== undefined && req.index !== undefined) return params({ jobId, imageNo: req.index - 1, prompt: req.prompt, videoType });
      // Legnext's video-diffusion form: the bare image URL first, then the text. [I] for this provider
      return params({ prompt: [req.imageUrl, req.prompt].filter(Boolean).join(' '), videoType });
    }
    case 'edit': {
      // The midjourney-edit / midjourney-uploadpaint pages: Legnext's edit fields under this provider's model ids.
      const geometry = { canvas: req.canvas, imgPos: req.imagePosition, remixPrompt: req.prompt, mask: req.mask };
      if (req.imageUrl !== undefined) return { model: models.uploadPaint, params: compact({ imgUrl: req.imageUrl, ...geometry, callback }) };
      return params({ jobId, imageNo: (req.index ?? 1) - 1, ...geometry });
    }
    default:
      throw new ProviderError('invalid_request', `the aggregator has no ${req.action}`);
  }
}
