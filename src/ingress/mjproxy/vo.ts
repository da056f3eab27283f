/**
 * The midjourney-proxy Task VO, built from a canonical task: the JSON clients such as chatgpt-web-midjourney-proxy
 * and new-api read from `task/{id}/fetch`, `list-by-condition` and notifyHook posts.
 */
import type { MjProxyExtras } from '../../domain/task.js';
import type { Task, TaskStatus } from '../../schemas/task.js';
import type { z } from 'zod';
import { buttonsOf, type CanRun } from './buttons.js';
import type { taskVoSchema } from './schemas.js';
import type { ModalStep } from '../../store/mj-proxy-store.js';

const ACTION: Record<string, string> = {
  imagine: 'IMAGINE', variation: 'VARIATION', remix: 'VARIATION', upscale: 'UPSCALE', reroll: 'REROLL', pan: 'PAN', zoom: 'ZOOM',
  inpaint: 'INPAINT', blend: 'BLEND', describe: 'DESCRIBE', shorten: 'SHORTEN', video: 'VIDEO', edit: 'EDIT', retexture: 'RETEXTURE',
  upscale_hd: 'UPSCALE_HD',
};
const STATUS: Record<TaskStatus, MjTaskVo['status']> = {
  queued: 'NOT_START', submitted: 'SUBMITTED', running: 'IN_PROGRESS', succeeded: 'SUCCESS', failed: 'FAILURE', canceled: 'CANCEL',
};
const DIGITS = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣'];

/** The VO's type is the schema its routes answer with (schemas.ts), so the two cannot drift. */
export type MjTaskVo = z.infer<typeof taskVoSchema>;

const ms = (iso: string | null) => (iso ? Date.parse(iso) : null);

/** Describe / shorten suggestions as clients show them: "1️⃣ …\n\n2️⃣ …". */
const numbered = (prompts: string[]) => prompts.map((p, i) => `${DIGITS[i] ?? `${i + 1}.`} ${p}`).join('\n\n');

export function taskVo(task: Task, extras: MjProxyExtras | undefined, canRun: CanRun): MjTaskVo {
  const out = task.output;
  const input = task.input as { prompt?: unknown; speed?: unknown };
  const prompt = typeof input.prompt === 'string' ? input.prompt : '';
  const text = out && out.prompts.length > 0 ? numbered(out.prompts) : '';
  const final = text || prompt;
  return {
    id: task.id, action: ACTION[task.action] ?? task.action.toUpperCase(), status: STATUS[task.status],
    progress: `${task.status === 'succeeded' ? 100 : Math.round(task.progress)}%`,
    prompt: text || prompt, promptEn: final, description: task.action === 'describe' || task.action === 'shorten' ? text : `/${task.action} ${prompt}`.trim(),
    state: extras?.state ?? null,
    submitTime: Date.parse(task.createdAt), startTime: ms(task.submittedAt), finishTime: ms(task.finishedAt),
    imageUrl: out?.gridImageUrl ?? out?.imageUrls[0] ?? null,
    imageUrls: (out?.imageUrls ?? []).map((url) => ({ url })),
    videoUrl: out?.videoUrls[0] ?? null,
    videoUrls: (out?.videoUrls ?? []).map((url) => ({ url })),
    failReason: task.error?.message ?? null,
    seed: out?.seed ?? null,
    mode: typeof input.speed === 'string' ? input.speed : null,
    parentId: task.parentId,
    properties: { finalPrompt: final, provider: task.provider },
    buttons: buttonsOf(task, canRun).map((d) => d.button),
  };
}

const MODAL_ACTION: Record<string, string> = { inpaint: 'INPAINT', zoom: 'ZOOM', remix: 'VARIATION' };

/** A MODAL step as a task in status MODAL (waiting for `submit/modal`). */
export function modalVo(step: ModalStep): MjTaskVo {
  const finalPrompt = step.finalPrompt;
  return {
    id: step.id, action: MODAL_ACTION[step.kind] ?? 'MODAL', status: 'MODAL', progress: '0%', prompt: finalPrompt, promptEn: finalPrompt,
    description: 'Waiting for window confirm', state: step.state ?? null, submitTime: step.createdAt, startTime: null, finishTime: null,
    imageUrl: null, imageUrls: [], videoUrl: null, videoUrls: [], failReason: null, seed: null, mode: step.speed ?? null,
    parentId: step.sourceId, properties: { finalPrompt, provider: null }, buttons: [],
  };
}
