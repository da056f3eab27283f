/**
 * midjourney-proxy submit bodies → canonical submit bodies. Images sent as base64 stay data URLs here: the submit
 * path stores them as media and puts signed links in their place.
 */
import type { z } from 'zod';
import { apiError } from '../../errors.js';
import { pixelSize, type PixelSize } from '../../domain/image-size.js';
import type { blendBody, changeBody, describeBody, editsBody, imagineBody, retextureBody, videoBody } from './schemas.js';

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

/** The canonical video options of a submit/video body (only those it sent). */
function videoOptions(b: z.infer<typeof videoBody>): Body {
  return {
    ...(b.motion ? { motion: b.motion } : {}), ...(b.loop !== undefined ? { loop: b.loop } : {}),
    ...(b.endImage ? { endImageUrl: dataUrl(b.endImage) } : {}), ...(b.batchSize !== undefined ? { batchSize: b.batchSize } : {}),
  };
}

export function video(b: z.infer<typeof videoBody>): Body {
  const prompt = b.prompt?.trim() ? { prompt: b.prompt.trim() } : {};
  if (b.action !== undefined && b.action.toLowerCase() === 'extend') {
    if (!b.taskId || b.index === undefined) throw apiError('invalid_request', 'taskId and index (1-4, the video to extend) are required with action "extend"');
    return { action: 'video_extend', taskId: b.taskId, index: b.index, ...prompt };
  }
  if (b.action !== undefined && b.action !== '' && b.action.toLowerCase() !== 'video') throw apiError('invalid_request', `action must be "extend" or left out, not "${b.action}"`);
  if (b.taskId) {
    if (b.index === undefined) throw apiError('invalid_request', 'index is required with taskId (1-4)');
    return { action: 'video', taskId: b.taskId, index: b.index, ...prompt, ...videoOptions(b) };
  }
  if (!b.image) throw apiError('invalid_request', 'send taskId + index, or image (a URL or base64)');
  return { action: 'video', imageUrl: dataUrl(b.image), ...prompt, ...videoOptions(b) };
}

/** The image a submit/edits or submit/retexture works on, or a code 4 naming the field. */
function sourceImage(b: { image?: string; base64Array?: string[] }, path: string): string {
  const image = b.image ?? b.base64Array?.[0];
  if (!image) throw apiError('invalid_request', `image is required for ${path}: the picture as a data URL, base64 or a URL (or base64Array[0])`);
  return dataUrl(image);
}

/** The pixel size of a data URL's image; null when it is a link or no PNG, JPEG, WebP or GIF. */
function sizeOf(url: string): PixelSize | null {
  const comma = url.indexOf(',');
  return url.startsWith('data:') && comma > 0 ? pixelSize(Buffer.from(url.slice(comma + 1), 'base64')) : null;
}

/** `edits`: repaint the masked part of an image; the canvas is the image itself (the editor's default view). */
export function edits(b: z.infer<typeof editsBody>): Body {
  const imageUrl = sourceImage(b, 'edits');
  if (!b.maskBase64) throw apiError('invalid_request', 'maskBase64 is required for edits (transparent or white where to repaint); to restyle a whole image use submit/retexture');
  const size = sizeOf(imageUrl);
  if (!size) throw apiError('invalid_request', 'image must be sent as base64 (a PNG, JPEG, WebP or GIF data URL) for edits: its pixel size places it on the canvas');
  return { action: 'edit', imageUrl, prompt: b.prompt, canvas: size, imagePosition: { ...size, x: 0, y: 0 }, mask: { url: dataUrl(b.maskBase64) } };
}

export function retexture(b: z.infer<typeof retextureBody>): Body {
  return { action: 'retexture', imageUrl: sourceImage(b, 'retexture'), prompt: b.prompt };
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
