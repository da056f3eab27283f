/**
 * midjourney-proxy submit bodies → canonical submit bodies. Images sent as base64 stay data URLs here: the submit
 * path stores them as media and puts signed links in their place.
 */
import type { z } from 'zod';
import { apiError } from '../../errors.js';
import type { blendBody, changeBody, describeBody, imagineBody, videoBody } from './schemas.js';

type Body = Record<string, unknown>;

/** A data URL as given, or bare base64 made one (clients send both). */
export function dataUrl(value: string): string {
  const v = value.trim();
  if (v.startsWith('data:') || /^https?:\/\//i.test(v)) return v;
  return `data:image/png;base64,${v}`;
}

export function imagine(b: z.infer<typeof imagineBody>): Body {
  let prompt = b.prompt.trim();
  if (b.botType === 'NIJI_JOURNEY' && !/(^|\s)--niji\b/.test(prompt)) prompt = `${prompt} --niji`;
  return { action: 'imagine', prompt, ...(b.base64Array?.length ? { imageUrls: b.base64Array.map(dataUrl) } : {}) };
}

const CHANGE = { UPSCALE: 'upscale', VARIATION: 'variation', REROLL: 'reroll' } as const;

export function change(b: Pick<z.infer<typeof changeBody>, 'taskId' | 'action' | 'index'>): Body {
  if (b.action === 'REROLL') return { action: 'reroll', taskId: b.taskId };
  if (b.index === undefined) throw apiError('invalid_request', `index is required for ${b.action} (1-4)`);
  return { action: CHANGE[b.action], taskId: b.taskId, index: b.index };
}

const SIMPLE = /^\s*(\S+)\s+(?:([UV])([1-4])|(R))\s*$/i;

/** `"<taskId> U2"` → a change body. */
export function simpleChange(content: string): Body {
  const m = SIMPLE.exec(content);
  if (!m) throw apiError('invalid_request', 'content must be "<taskId> U1-U4", "<taskId> V1-V4" or "<taskId> R"');
  if (m[4]) return change({ taskId: m[1]!, action: 'REROLL' });
  return change({ taskId: m[1]!, action: m[2]!.toUpperCase() === 'U' ? 'UPSCALE' : 'VARIATION', index: Number(m[3]) });
}

const ASPECT = { PORTRAIT: '2:3', SQUARE: '1:1', LANDSCAPE: '3:2' } as const;

export function blend(b: z.infer<typeof blendBody>): Body {
  return { action: 'blend', imageUrls: b.base64Array.map(dataUrl), ...(b.dimensions ? { aspectRatio: ASPECT[b.dimensions] } : {}) };
}

export function describe(b: z.infer<typeof describeBody>): Body {
  const image = b.base64 ? dataUrl(b.base64) : b.link;
  if (!image) throw apiError('invalid_request', 'send the image as base64 (a data URL) or as link (an http(s) URL)');
  return { action: 'describe', imageUrl: image };
}

export function video(b: z.infer<typeof videoBody>): Body {
  const prompt = b.prompt?.trim() ? { prompt: b.prompt.trim() } : {};
  if (b.taskId) {
    if (b.index === undefined) throw apiError('invalid_request', 'index is required with taskId (1-4)');
    return { action: 'video', taskId: b.taskId, index: b.index, ...prompt };
  }
  if (!b.image) throw apiError('invalid_request', 'send taskId + index, or image (a URL or base64)');
  return { action: 'video', imageUrl: dataUrl(b.image), ...prompt };
}

/** Completes a MODAL step's body with what `submit/modal` sent. */
export function completeModal(kind: 'inpaint' | 'zoom' | 'remix', base: Body, prompt: string | undefined, maskBase64: string | undefined): Body {
  const text = prompt?.trim() ?? '';
  if (kind === 'inpaint') {
    if (!maskBase64) throw apiError('invalid_request', 'maskBase64 is required to complete vary region (the mask image, white where to repaint)');
    return { ...base, mask: { url: dataUrl(maskBase64) }, ...(text ? { prompt: text } : {}) };
  }
  if (kind === 'zoom') {
    const m = /(^|\s)--zoom\s+([\d.]+)/.exec(text);
    if (!m) throw apiError('invalid_request', 'prompt must carry --zoom <1.1-2> for a custom zoom');
    const rest = text.replace(m[0], ' ').replace(/\s{2,}/g, ' ').trim();
    return { ...base, scale: Number(m[2]), ...(rest ? { prompt: rest } : {}) };
  }
  if (!text) throw apiError('invalid_request', 'prompt is required to complete a remix');
  return { ...base, prompt: text };
}
