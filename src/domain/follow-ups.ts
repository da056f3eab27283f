/**
 * Which follow-ups a finished task allows on the provider that ran it, in canonical words: what its result is (a
 * grid, one Midjourney image, videos) gives the candidates, the provider's declared capabilities keep those it runs.
 * Pure: the caller passes `canRun`, the provider's own check of a request.
 */
import type { Action, CanonicalRequest } from '../../providers/types.js';
import type { Task } from '../schemas/task.js';

export interface FollowUp { action: Action; index?: 1 | 2 | 3 | 4 }

type Index = 1 | 2 | 3 | 4;

/** The smallest valid request of each follow-up, so the provider's option check sees what the action requires. */
function sample(action: Action, taskId: string, index: Index): CanonicalRequest | null {
  switch (action) {
    case 'upscale': case 'variation': case 'zoom': case 'enhance': case 'video': case 'video_extend': case 'video_upscale':
      return { action, taskId, index } as CanonicalRequest;
    case 'remix': return { action, taskId, index, prompt: 'x' };
    case 'pan': return { action, taskId, index, direction: 'up' };
    case 'inpaint': return { action, taskId, index, mask: { url: 'https://example.com/mask.png' } };
    case 'edit': return { action, taskId, index, prompt: 'x', canvas: { width: 1024, height: 1024 }, imagePosition: { width: 1024, height: 1024, x: 0, y: 0 } };
    case 'upscale_hd': return { action, taskId, index, resolution: '2K' };
    default: return null;
  }
}

/** Midjourney's buttons under a grid image, and under a single upscaled one. */
const ON_GRID: Action[] = ['upscale', 'variation', 'remix', 'pan', 'zoom', 'inpaint', 'edit', 'upscale_hd', 'video'];
const ON_UPSCALED: Action[] = ['variation', 'remix', 'pan', 'zoom', 'inpaint', 'edit', 'upscale_hd', 'video'];
const ON_VIDEO: Action[] = ['video_extend', 'video_upscale'];
/** APIMart documents reroll of an imagine or reroll grid only; the gateway offers no more anywhere. */
const REROLLABLE: ReadonlySet<Action> = new Set(['imagine', 'reroll']);
/** Results that are whole Midjourney jobs a follow-up can name (not a Topaz or background-removal image). */
const SINGLE_MJ: ReadonlySet<Action> = new Set(['upscale']);
const VIDEO_MAKERS: ReadonlySet<Action> = new Set(['video', 'video_extend']);

const indexes = (n: number): Index[] => ([1, 2, 3, 4] as const).slice(0, Math.min(4, n));

/** The follow-ups `task` allows now; empty unless it succeeded. `canRun` is the task's provider's check. */
export function followUpsOf(task: Pick<Task, 'id' | 'action' | 'status' | 'output' | 'input'>, canRun: (req: CanonicalRequest) => boolean): FollowUp[] {
  if (task.status !== 'succeeded' || !task.output) return [];
  const { imageUrls, videoUrls } = task.output;
  const action = task.action;
  let actions: Action[] = [];
  let slots: Index[] = [];
  if (VIDEO_MAKERS.has(action)) [actions, slots] = [ON_VIDEO, indexes(videoUrls.length)];
  else if (imageUrls.length >= 2) [actions, slots] = [ON_GRID, indexes(imageUrls.length)];
  else if (imageUrls.length === 1 && SINGLE_MJ.has(action)) [actions, slots] = [ON_UPSCALED, [1]];
  // Enhance re-renders a draft: offered only under a grid made with `--draft`.
  const draft = 'prompt' in task.input && typeof task.input.prompt === 'string' && /(^|\s)--draft\b/.test(task.input.prompt);
  if (draft && imageUrls.length >= 2) actions = [...actions, 'enhance'];
  const out: FollowUp[] = [];
  for (const a of actions) {
    const probe = sample(a, task.id, 1);
    if (!probe || !canRun(probe)) continue;
    for (const index of slots) out.push({ action: a, index });
  }
  if (REROLLABLE.has(action) && imageUrls.length >= 2 && canRun({ action: 'reroll', taskId: task.id })) out.push({ action: 'reroll' });
  return out;
}
