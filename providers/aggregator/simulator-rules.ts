/** The aggregator simulator's request checks: Legnext's ranges (mirrored 1:1) under Vtrix's 10-digit error codes. */
import type { SimJob, SimState } from '../sim/kit.js';

export interface Problem { status: number; code: number; message: string }

/** Endpoint numbers in the codes: diffusion 001, variation 004 and remix 011 are documented; the rest are invented. */
export const SIM_ENDPOINTS: Record<string, number> = {
  diffusion: 1, upscale: 2, reroll: 3, variation: 4, pan: 5, outpaint: 6, inpaint: 7, blend: 8, describe: 9, shorten: 10,
  remix: 11, video_diffusion: 12, edit: 13, uploadpaint: 14,
};

/** `8` · product `004` · endpoint · suffix, e.g. variation + 3 → 8004004003 "Invalid image number". */
export const errorCode = (op: string, suffix: number) =>
  Number(`8004${String(SIM_ENDPOINTS[op] ?? 0).padStart(3, '0')}${String(suffix).padStart(3, '0')}`);

/** A failed check: suffixes 001–007 follow the variation table; 008+ are the simulator's own. */
interface Fault { n: number; message: string }
const fault = (n: number, message: string): Fault => ({ n, message });

type Body = Record<string, unknown>;
const isInt = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isText = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 8192;
const isNum = (v: unknown, min: number, max: number) => typeof v === 'number' && v >= min && v <= max;

/**
 * The parent a follow-up's `jobId` names. The docs say only "Job ID" [?]; the simulator takes one meaning, the
 * remote job id its output carried (`output[].content[].jobId`) [I], and refuses the aggregator task id, so a guess
 * the other way fails here instead of passing.
 */
export function findTask(state: SimState, ref: string): SimJob | undefined {
  return [...state.jobs.values()].find((job) => job.extra.remoteJobId === ref);
}

function parent(b: Body, state: SimState): Fault | null {
  if (typeof b.jobId !== 'string' || b.jobId.length === 0) return fault(1, 'Job ID missing');
  const job = findTask(state, b.jobId);
  if (!job || job.outcome.kind === 'vanish') return fault(8, `job ${b.jobId} not found`);
  if (state.phase(job) !== 'done' || job.outcome.kind !== 'succeed') return fault(8, `job ${b.jobId} is not completed`);
  return null;
}

function imageNo(b: Body): Fault | null {
  if (b.imageNo === undefined) return fault(2, 'Image number missing');
  return isInt(b.imageNo, 0, 3) ? null : fault(3, 'Invalid image number');
}

function type(b: Body, max: number): Fault | null {
  if (b.type === undefined) return fault(4, 'Type missing');
  return isInt(b.type, 0, max) ? null : fault(5, 'Invalid type');
}

function remix(b: Body, required: boolean): Fault | null {
  if (b.remixPrompt === undefined) return required ? fault(7, 'Remix prompt missing') : null;
  return isText(b.remixPrompt) ? null : fault(7, 'Invalid remix prompt length');
}

function mask(m: unknown): Fault | null {
  if (!m || typeof m !== 'object') return fault(9, 'Mask missing');
  const o = m as { url?: unknown; areas?: unknown };
  if (typeof o.url === 'string') return null;
  if (!Array.isArray(o.areas) || o.areas.length === 0) return fault(9, 'Mask needs url or areas');
  for (const a of o.areas as Body[]) {
    if (!isInt(a.width, 500, 4096) || !isInt(a.height, 500, 4096)) return fault(9, 'Polygon width/height must be 500-4096');
    if (!Array.isArray(a.points) || a.points.length < 6) return fault(9, 'Polygon needs at least 3 points');
  }
  return null;
}

function check(op: string, b: Body, state: SimState): Fault | null {
  if (b.callback !== undefined && !(typeof b.callback === 'string' && /^https?:\/\//.test(b.callback))) return fault(6, 'Invalid callback URL');
  const followUp = () => parent(b, state) ?? imageNo(b);
  switch (op) {
    case 'diffusion':
      if (b.text === undefined) return fault(1, 'Missing text');
      return isText(b.text) ? null : fault(2, 'Invalid text length');
    case 'variation':
      return followUp() ?? type(b, 1) ?? remix(b, false);
    case 'upscale':
      return followUp() ?? type(b, 3);
    case 'reroll':
      return parent(b, state);
    case 'remix':
      return followUp() ?? remix(b, true) ?? (b.mode === undefined || isInt(b.mode, 0, 1) ? null : fault(9, 'Invalid mode'));
    case 'pan':
      return followUp() ?? (isInt(b.direction, 0, 3) ? null : fault(9, 'Invalid direction'))
        ?? (isNum(b.scale, 1.1, 3.0) ? null : fault(10, 'Invalid scale (1.1-3.0)')) ?? remix(b, false);
    case 'outpaint':
      return followUp() ?? (isNum(b.scale, 1.1, 2.0) ? null : fault(10, 'Invalid scale (1.1-2.0)')) ?? remix(b, false);
    case 'inpaint':
      return followUp() ?? mask(b.mask) ?? remix(b, false);
    case 'blend':
      if (!Array.isArray(b.imgUrls)) return fault(1, 'Image URLs missing');
      if (b.imgUrls.length < 2 || b.imgUrls.length > 5) return fault(2, 'imgUrls must hold 2-5 urls');
      return ['2:3', '1:1', '3:2'].includes(b.aspect_ratio as string) ? null : fault(3, 'aspect_ratio must be 2:3, 1:1 or 3:2');
    case 'describe':
      return typeof b.imgUrl === 'string' && b.imgUrl.length > 0 ? null : fault(1, 'Image URL missing');
    case 'shorten':
      if (b.prompt === undefined) return fault(1, 'Prompt missing');
      return isText(b.prompt) ? null : fault(2, 'Invalid prompt length');
    case 'video_diffusion':
      if (b.videoType !== undefined && !isInt(b.videoType, 0, 1)) return fault(9, 'Invalid video type');
      if (b.jobId !== undefined) return followUp();
      return isText(b.prompt) && /^https?:\/\//.test(b.prompt as string) ? null : fault(10, 'Prompt must start with an image url');
    case 'edit':
      return followUp() ?? geometry(b) ?? (b.mask === undefined ? null : mask(b.mask));
    case 'uploadpaint':
      return (typeof b.imgUrl === 'string' && /^https?:\/\//.test(b.imgUrl) ? null : fault(1, 'Image URL missing')) ?? geometry(b) ?? mask(b.mask);
    default:
      return null;
  }
}

/** The midjourney-edit / midjourney-uploadpaint pages' required `canvas`, `imgPos` and `remixPrompt`. */
function geometry(b: Body): Fault | null {
  const c = b.canvas as Body | undefined;
  const p = b.imgPos as Body | undefined;
  if (!c || !isInt(c.width, 1, 8192) || !isInt(c.height, 1, 8192)) return fault(11, 'Canvas missing');
  if (!p || !isInt(p.width, 1, 8192) || !isInt(p.height, 1, 8192) || !Number.isInteger(p.x) || !Number.isInteger(p.y)) return fault(12, 'Image position missing');
  return remix(b, true);
}

/** Null when the params are acceptable for `midjourney_<op>`; `op` must be one of SIM_ENDPOINTS. */
export function validateAggregator(op: string, params: Body, state: SimState): Problem | null {
  const f = check(op, params, state);
  return f ? { status: 400, code: errorCode(op, f.n), message: f.message } : null;
}
