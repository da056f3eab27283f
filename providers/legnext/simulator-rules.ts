/** The Legnext simulator's request checks, as documented per endpoint (ranges, required fields, parent jobs). */
import type { SimState } from '../sim/kit.js';

export interface Problem { status: number; message: string }

const isInt = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isText = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 8192;
const isNum = (v: unknown, min: number, max: number) => typeof v === 'number' && v >= min && v <= max;
const bad = (message: string): Problem => ({ status: 400, message });

const VIDEO_JOBS: ReadonlySet<string> = new Set(['video_diffusion', 'extend_video']);

/** The parent job named by `jobId`; `video` says whether it must be a video job (extend-video, video-upscale) or an image one. */
function parent(body: Record<string, unknown>, state: SimState, video = false): Problem | null {
  if (typeof body.jobId !== 'string') return bad('jobId is required');
  const job = state.jobs.get(body.jobId);
  if (!job) return bad(`job ${body.jobId} not found`);
  if (state.phase(job) !== 'done' || job.outcome.kind !== 'succeed') return bad(`job ${body.jobId} is not completed`);
  if (VIDEO_JOBS.has(job.action) !== video) return bad(`job ${body.jobId} is not ${video ? 'a video' : 'an image'} job`);
  return null;
}

const isPixels = (v: unknown) => isInt(v, 1, 8192);
function geometry(b: Record<string, unknown>): Problem | null {
  const c = b.canvas as Record<string, unknown> | undefined;
  const p = b.imgPos as Record<string, unknown> | undefined;
  if (!c || !isPixels(c.width) || !isPixels(c.height)) return bad('canvas {width, height} is required');
  if (!p || !isPixels(p.width) || !isPixels(p.height) || !Number.isInteger(p.x) || !Number.isInteger(p.y)) return bad('imgPos {width, height, x, y} is required');
  return isText(b.remixPrompt) ? null : bad('remixPrompt is required');
}

const imgUrl = (v: unknown) => (typeof v === 'string' && /^https?:\/\//.test(v) && v.length <= 1024 ? null : bad('imgUrl must be an http(s) url of at most 1024 chars'));
const oneOf = (v: unknown, allowed: string[], name: string) => (v === undefined || allowed.includes(v as string) ? null : bad(`${name} must be one of ${allowed.join(', ')}`));

/** Topaz: `image_url` or `jobId` + `imageNo`, and its option values (docs lines ~3117-3137). */
function topaz(b: Record<string, unknown>, state: SimState): Problem | null {
  const source = typeof b.image_url === 'string' ? null : parent(b, state) ?? imageNo(b);
  return source
    ?? oneOf(b.target_resolution, ['HD', 'FHD', '2K', '4K', '6K', '8K', '12K'], 'target_resolution')
    ?? oneOf(b.content_type, ['standard', 'photo', 'illustration', 'text', 'low_res'], 'content_type')
    ?? oneOf(b.aspect_ratio, ['keep', '1:1', '16:9', '9:16', '4:5', '5:4', '3:2', '2:3', '4:3', '3:4'], 'aspect_ratio')
    ?? oneOf(b.crop_mode, ['letterbox', 'crop', 'stretch'], 'crop_mode')
    ?? oneOf(b.output_format, ['jpeg', 'jpg', 'png', 'tiff', 'tif'], 'output_format')
    ?? oneOf(b.face_enhancement_level, ['off', 'none', 'subtle', 'moderate', 'strong'], 'face_enhancement_level');
}

function imageNo(body: Record<string, unknown>): Problem | null {
  return isInt(body.imageNo, 0, 3) ? null : bad('imageNo must be 0-3');
}

function mask(m: unknown): Problem | null {
  if (!m || typeof m !== 'object') return bad('mask is required');
  const o = m as { url?: unknown; areas?: unknown };
  if (typeof o.url === 'string') return null;
  if (!Array.isArray(o.areas) || o.areas.length === 0) return bad('mask needs url or areas');
  for (const a of o.areas as Array<Record<string, unknown>>) {
    if (!isInt(a.width, 500, 4096) || !isInt(a.height, 500, 4096)) return bad('polygon width/height must be 500-4096');
    if (!Array.isArray(a.points) || a.points.length < 6) return bad('polygon needs at least 3 points');
  }
  return null;
}

export function validateLegnext(action: string, b: Record<string, unknown>, state: SimState): Problem | null {
  const optionalRemix = b.remixPrompt === undefined || isText(b.remixPrompt) ? null : bad('remixPrompt must be 1-8192 chars');
  switch (action) {
    case 'diffusion':
      if (!isText(b.text)) return bad('text must be 1-8192 chars');
      if (/--relax\b/.test(b.text as string)) return bad('relax mode is not supported');
      return null;
    case 'variation':
      return parent(b, state) ?? imageNo(b) ?? (isInt(b.type, 0, 1) ? null : bad('type must be 0 or 1')) ?? optionalRemix;
    case 'upscale':
      return parent(b, state) ?? imageNo(b) ?? (isInt(b.type, 0, 3) ? null : bad('type must be 0-3'));
    case 'reroll':
      return parent(b, state);
    case 'remix':
      return parent(b, state) ?? imageNo(b) ?? (isText(b.remixPrompt) ? null : bad('remixPrompt is required'))
        ?? (b.mode === undefined || isInt(b.mode, 0, 1) ? null : bad('mode must be 0 or 1'));
    case 'pan':
      return parent(b, state) ?? imageNo(b) ?? (isInt(b.direction, 0, 3) ? null : bad('direction must be 0-3'))
        ?? (isNum(b.scale, 1.1, 3.0) ? null : bad('scale must be 1.1-3.0')) ?? optionalRemix;
    case 'outpaint':
      return parent(b, state) ?? imageNo(b) ?? (isNum(b.scale, 1.1, 2.0) ? null : bad('scale must be 1.1-2.0')) ?? optionalRemix;
    case 'inpaint':
      return parent(b, state) ?? imageNo(b) ?? mask(b.mask) ?? optionalRemix;
    case 'blend':
      if (!Array.isArray(b.imgUrls) || b.imgUrls.length < 2 || b.imgUrls.length > 5) return bad('imgUrls must hold 2-5 urls');
      return ['2:3', '1:1', '3:2'].includes(b.aspect_ratio as string) ? null : bad('aspect_ratio must be 2:3, 1:1 or 3:2');
    case 'describe':
      return typeof b.imgUrl === 'string' && b.imgUrl.length > 0 ? null : bad('imgUrl is required');
    case 'shorten':
      return isText(b.prompt) ? null : bad('prompt must be 1-8192 chars');
    case 'video-diffusion':
      if (b.videoType !== undefined && !isInt(b.videoType, 0, 1)) return bad('videoType must be 0 or 1');
      if (b.jobId !== undefined) return parent(b, state) ?? imageNo(b);
      return isText(b.prompt) && /^https?:\/\//.test(b.prompt as string) ? null : bad('prompt must start with an image url');
    case 'edit':
      return parent(b, state) ?? imageNo(b) ?? geometry(b) ?? (b.mask === undefined ? null : mask(b.mask));
    case 'upload-paint':
      return imgUrl(b.imgUrl) ?? geometry(b) ?? mask(b.mask);
    case 'retexture':
      return imgUrl(b.imgUrl) ?? (isText(b.remixPrompt) ? null : bad('remixPrompt is required'));
    case 'remove-background':
      return imgUrl(b.imgUrl);
    case 'enhance':
      return parent(b, state) ?? imageNo(b);
    case 'enhance-upscale':
      return topaz(b, state);
    case 'extend-video':
      return parent(b, state, true) ?? (isInt(b.videoNo, 0, 3) ? null : bad('videoNo must be 0-3')) ?? (b.prompt === undefined || isText(b.prompt) ? null : bad('prompt must be 1-8192 chars'));
    case 'video-upscale':
      return parent(b, state, true) ?? (isInt(b.videoNo, 0, 3) ? null : bad('videoNo must be 0-3'));
    default:
      return { status: 404, message: `unknown endpoint /v1/${action}` };
  }
}
