/**
 * The buttons of a finished task, in midjourney-proxy's customId formats, and what pressing each one does. This is
 * the one place that decides which follow-ups a task offers: a button is listed only when the task's provider can run
 * the canonical request it stands for.
 */
import { createHash } from 'node:crypto';
import type { CanonicalRequest } from '../../../providers/types.js';
import type { Task } from '../../schemas/task.js';

export interface Button { customId: string; emoji: string; label: string; type: 2; style: number }

/** A MODAL press opens a step that `submit/modal` completes with a prompt (and a mask for vary region). */
export type ModalKind = 'inpaint' | 'zoom' | 'remix';

/** What a press does: a canonical follow-up body, or a MODAL step completing `base`. */
export type Press = { body: Record<string, unknown> } | { modal: ModalKind; base: Record<string, unknown> };

export interface ButtonDef { button: Button; press: Press }

/** Whether the task's provider can run a request (the buttons of a task never promise more). */
export type CanRun = (req: CanonicalRequest) => boolean;

const GRID_ACTIONS: ReadonlySet<string> = new Set(['imagine', 'variation', 'reroll', 'remix', 'blend', 'pan', 'zoom', 'inpaint', 'edit', 'retexture']);
const DIGITS = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣'];
/** Placeholders that stand for what the MODAL step will add, for the capability check only. */
const MODAL_FILL: Record<ModalKind, Record<string, unknown>> = { inpaint: { mask: { url: 'https://example.com/m.png' } }, zoom: { scale: 1.5 }, remix: { prompt: 'x' } };

/** The hash part of a task's customIds: stable per task, shaped like Midjourney's message hashes. */
export function buttonHash(taskId: string): string {
  const h = createHash('sha256').update(taskId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const btn = (customId: string, label: string, emoji = '', style = 2): Button => ({ customId, emoji, label, type: 2, style });

function gridButtons(task: Task, h: string): ButtonDef[] {
  const self = task.id;
  const out: ButtonDef[] = [1, 2, 3, 4].map((i) => ({ button: btn(`MJ::JOB::upsample::${i}::${h}`, `U${i}`), press: { body: { action: 'upscale', taskId: self, index: i } } }));
  out.push({ button: btn(`MJ::JOB::reroll::0::${h}::SOLO`, '', '🔄'), press: { body: { action: 'reroll', taskId: self } } });
  for (const i of [1, 2, 3, 4]) out.push({ button: btn(`MJ::JOB::variation::${i}::${h}`, `V${i}`), press: { body: { action: 'variation', taskId: self, index: i } } });
  return out;
}

/** Buttons of an upscaled image: they act on the grid image it came from (the canonical follow-ups take grid + index). */
function upscaledButtons(task: Task, h: string): ButtonDef[] {
  const taskId = 'taskId' in task.input ? task.input.taskId : undefined;
  const index = 'index' in task.input ? task.input.index : undefined;
  if (typeof taskId !== 'string' || typeof index !== 'number') return [];
  const on = (extra: Record<string, unknown>) => ({ body: { taskId, index, ...extra } });
  const solo = (name: string) => `MJ::JOB::${name}::1::${h}::SOLO`;
  return [
    { button: btn(solo('upsample_v7_2x_subtle'), 'Upscale (Subtle)'), press: on({ action: 'upscale', mode: 'subtle' }) },
    { button: btn(solo('upsample_v7_2x_creative'), 'Upscale (Creative)'), press: on({ action: 'upscale', mode: 'creative' }) },
    { button: btn(solo('low_variation'), 'Vary (Subtle)', '🪄'), press: on({ action: 'variation', strength: 'subtle' }) },
    { button: btn(solo('high_variation'), 'Vary (Strong)', '🪄'), press: on({ action: 'variation', strength: 'strong' }) },
    { button: btn(`MJ::Inpaint::1::${h}::SOLO`, 'Vary (Region)', '🖌️'), press: { modal: 'inpaint', base: { action: 'inpaint', taskId, index } } },
    { button: btn(`MJ::Outpaint::50::1::${h}::SOLO`, 'Zoom Out 2x', '🔍'), press: on({ action: 'zoom', scale: 2 }) },
    { button: btn(`MJ::Outpaint::75::1::${h}::SOLO`, 'Zoom Out 1.5x', '🔍'), press: on({ action: 'zoom', scale: 1.5 }) },
    { button: btn(`MJ::CustomZoom::${h}`, 'Custom Zoom', '🔍'), press: { modal: 'zoom', base: { action: 'zoom', taskId, index } } },
    ...(['left', 'right', 'up', 'down'] as const).map((d) => ({
      button: btn(solo(`pan_${d}`), '', { left: '⬅️', right: '➡️', up: '⬆️', down: '⬇️' }[d]), press: on({ action: 'pan', direction: d }),
    })),
    { button: btn(solo('animate_high'), 'Animate (High motion)', '🎞️'), press: on({ action: 'video', motion: 'high' }) },
    { button: btn(solo('animate_low'), 'Animate (Low motion)', '🎞️'), press: on({ action: 'video', motion: 'low' }) },
  ];
}

/** Describe and shorten results: one button per suggested prompt, each an imagine of it. */
function promptButtons(task: Task): ButtonDef[] {
  const kind = task.action === 'describe' ? 'PicReader' : 'PromptAnalyzer';
  return (task.output?.prompts ?? []).slice(0, DIGITS.length).map((prompt, i) => ({
    button: btn(`MJ::Job::${kind}::${i + 1}`, '', DIGITS[i]), press: { body: { action: 'imagine', prompt } },
  }));
}

/** The buttons a succeeded task offers, with their presses; none for a task not succeeded. */
export function buttonsOf(task: Task, canRun: CanRun): ButtonDef[] {
  if (task.status !== 'succeeded' || !task.output) return [];
  if (task.action === 'describe' || task.action === 'shorten') return promptButtons(task);
  const h = buttonHash(task.id);
  const defs = task.action === 'upscale' ? upscaledButtons(task, h) : GRID_ACTIONS.has(task.action) && task.output.imageUrls.length >= 4 ? gridButtons(task, h) : [];
  return defs.filter((d) => canRun(('body' in d.press ? d.press.body : { ...d.press.base, ...MODAL_FILL[d.press.modal] }) as unknown as CanonicalRequest));
}

/** The press behind `customId` on this task, or null when the task offers no such button. */
export function pressOf(task: Task, customId: string, canRun: CanRun): Press | null {
  return buttonsOf(task, canRun).find((d) => d.button.customId === customId)?.press ?? null;
}
