/** Submit bodies of the later catalogue actions (edit, retexture, background removal, enhance, HD upscale, video follow-ups). */
import { z } from 'zod';
import { HD_RESOLUTIONS } from '../../providers/types.js';
import { imageRef } from './common.js';

/** The shared field schemas of `task.ts`, passed in so both files keep one definition of each. */
interface Parts<U extends z.ZodType, I extends z.ZodType, P extends z.ZodType, T extends z.ZodType, M extends z.ZodType, C extends z.ZodRawShape> {
  url: U; index: I; prompt: P; taskId: T; mask: M; common: C;
}

const pixels = z.number().int().min(1).max(8192);

/** The `video` options Midjourney takes as flags (`--motion`, `--loop`, `--end`, `--bs`, `--raw`). */
export const videoOptions = {
  motion: z.enum(['low', 'high']).optional().describe('Motion intensity (Midjourney default: low)'),
  loop: z.boolean().optional().describe('Last frame matches the first'),
  endImageUrl: imageRef.optional().describe('Image of the last frame'),
  batchSize: z.union([z.literal(1), z.literal(2), z.literal(4)], { error: 'batchSize must be 1, 2 or 4' }).optional().describe('Videos per task (Midjourney default: 4)'),
  raw: z.boolean().optional().describe('Fewer automatic enhancements'),
};

type Source = { taskId?: unknown; index?: unknown; imageUrl?: unknown; mask?: unknown };
const either = (v: object) => {
  const o = v as Source;
  return (o.taskId !== undefined && o.index !== undefined) !== (o.imageUrl !== undefined);
};
/**
 * `either` as JSON Schema, for the document (zod leaves refinements out of it). The empty property schemas name the
 * fields each branch requires (their types are the object's), so generated clients require one source or the other.
 */
export const SOURCE_XOR = {
  oneOf: [{ properties: { taskId: {}, index: {} }, required: ['taskId', 'index'] }, { properties: { imageUrl: {} }, required: ['imageUrl'] }],
};
const maskedUpload = (v: object) => (v as Source).imageUrl === undefined || (v as Source).mask !== undefined;

export function catalogueSchemas<U extends z.ZodType, I extends z.ZodType, P extends z.ZodType, T extends z.ZodType, M extends z.ZodType, C extends z.ZodRawShape>(
  { url, index, prompt, taskId, mask, common }: Parts<U, I, P, T, M, C>,
) {
  const canvas = z.strictObject({ width: pixels, height: pixels });
  const imagePosition = z.strictObject({ width: pixels, height: pixels, x: z.number().int().min(-8192).max(8192), y: z.number().int().min(-8192).max(8192) });
  return {
    edit: z
      .strictObject({
        action: z.literal('edit'), taskId: taskId.optional(), index: index.optional(), imageUrl: url.optional(), prompt, canvas, imagePosition,
        mask: mask.optional(), ...common,
      })
      .refine(either, 'edit needs either taskId + index (a grid image), or imageUrl')
      .refine(maskedUpload, 'edit of an imageUrl needs a mask')
      .meta({ ...SOURCE_XOR, dependentRequired: { imageUrl: ['mask'] } }),
    retexture: z.strictObject({ action: z.literal('retexture'), imageUrl: url, prompt, ...common }),
    remove_background: z.strictObject({ action: z.literal('remove_background'), imageUrl: url, ...common }),
    enhance: z.strictObject({ action: z.literal('enhance'), taskId, index, ...common }),
    upscale_hd: z
      .strictObject({
        action: z.literal('upscale_hd'), taskId: taskId.optional(), index: index.optional(), imageUrl: url.optional(),
        resolution: z.enum(HD_RESOLUTIONS),
        contentType: z.enum(['standard', 'photo', 'illustration', 'text', 'low_res']).optional(),
        aspectRatio: z.enum(['keep', '1:1', '16:9', '9:16', '4:5', '5:4', '3:2', '2:3', '4:3', '3:4']).optional(),
        cropMode: z.enum(['letterbox', 'crop', 'stretch']).optional(),
        format: z.enum(['jpeg', 'png', 'tiff']).optional(),
        faceEnhancement: z.enum(['off', 'subtle', 'moderate', 'strong']).optional(),
        ...common,
      })
      .refine(either, 'upscale_hd needs either taskId + index, or imageUrl')
      .meta(SOURCE_XOR),
    video_extend: z.strictObject({ action: z.literal('video_extend'), taskId, index, prompt: prompt.optional(), ...common }),
    video_upscale: z.strictObject({ action: z.literal('video_upscale'), taskId, index, ...common }),
  };
}
