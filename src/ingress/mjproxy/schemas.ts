/** The midjourney-proxy request bodies and answers. Bodies are loose: clients send fields of their own (ignored). */
import { z } from 'zod';

/** `state` and `notifyHook` ride on every submit; chatgpt-web sends `notifyHook: ""` for "none". */
const envelope = {
  state: z.string().max(4096).optional().describe('Echoed back in the task'),
  notifyHook: z.string().max(2048).optional().describe('Receives the task JSON on every status or progress change (signed like webhooks)'),
};
const taskId = z.string().min(1).max(64);
/** A data URL (`data:image/png;base64,...`) or bare base64 of an image. */
const base64Image = z.string().min(1).max(64 * 1024 * 1024);

export const imagineBody = z.object({
  prompt: z.string().max(8192), base64Array: z.array(base64Image).max(5).optional(),
  botType: z.enum(['MID_JOURNEY', 'NIJI_JOURNEY']).optional(), ...envelope,
});
export const changeBody = z.object({
  taskId, action: z.enum(['UPSCALE', 'VARIATION', 'REROLL']), index: z.number().int().min(1).max(4).optional(), ...envelope,
});
export const simpleChangeBody = z.object({ content: z.string().min(1).max(200).describe('"<taskId> U2": U1–U4, V1–V4 or R'), ...envelope });
export const actionBody = z.object({ taskId, customId: z.string().min(1).max(200), enableRemix: z.boolean().optional(), ...envelope });
export const modalBody = z.object({ taskId, prompt: z.string().max(8192).optional(), maskBase64: base64Image.optional(), ...envelope });
export const blendBody = z.object({ base64Array: z.array(base64Image).min(2).max(5), dimensions: z.enum(['PORTRAIT', 'SQUARE', 'LANDSCAPE']).optional(), ...envelope });
export const describeBody = z.object({ base64: base64Image.optional(), link: z.string().max(2048).optional(), ...envelope });
export const shortenBody = z.object({ prompt: z.string().max(8192), ...envelope });
export const videoBody = z.object({
  prompt: z.string().max(8192).optional(), image: base64Image.optional().describe('Start frame: a URL, a data URL or base64'),
  endImage: base64Image.optional().describe('End frame: a URL, a data URL or base64'), taskId: taskId.optional(),
  index: z.number().int().min(1).max(4).optional(), motion: z.enum(['low', 'high'], { error: 'motion must be low or high' }).optional(),
  loop: z.boolean().optional(), batchSize: z.number().int().optional().describe('Videos per task: 1, 2 or 4'),
  action: z.string().max(32).optional().describe('"extend": extend video `index` of task `taskId`'), ...envelope,
});
/** The image to work on: `image` (trueai), or the first of `base64Array` (other relays). */
const sourceImage = { image: base64Image.optional(), base64Array: z.array(base64Image).max(5).optional() };
export const editsBody = z.object({
  prompt: z.string().max(8192), ...sourceImage,
  maskBase64: base64Image.optional().describe('Transparent or white where to repaint'), ...envelope,
});
export const retextureBody = z.object({ prompt: z.string().max(8192), ...sourceImage, ...envelope });
export const listBody = z.object({ ids: z.array(z.string().max(64)).max(100, 'ask for at most 100 ids at once').optional() });
export const idParams = z.object({ id: z.string().min(1).max(64) });

export const answerSchema = z
  .object({
    code: z.number().int().describe('1 submitted, 21 waiting for submit/modal, 22 queued, 3 not found, 4 invalid or not supported, 9 failed'),
    description: z.string(),
    result: z.string().nullable().describe('The task id'),
    properties: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'MjSubmitAnswer' });

const media = z.array(z.object({ url: z.string() }));
export const taskVoSchema = z
  .object({
    id: z.string(), action: z.string(), status: z.enum(['NOT_START', 'SUBMITTED', 'MODAL', 'IN_PROGRESS', 'FAILURE', 'SUCCESS', 'CANCEL']),
    progress: z.string(), prompt: z.string(), promptEn: z.string(), description: z.string(), state: z.string().nullable(),
    submitTime: z.number(), startTime: z.number().nullable(), finishTime: z.number().nullable(),
    imageUrl: z.string().nullable(), imageUrls: media, videoUrl: z.string().nullable(), videoUrls: media,
    failReason: z.string().nullable(), seed: z.string().nullable(), mode: z.string().nullable(), parentId: z.string().nullable(),
    properties: z.object({ finalPrompt: z.string(), provider: z.string().nullable() }),
    buttons: z.array(z.object({ customId: z.string(), emoji: z.string(), label: z.string(), type: z.literal(2), style: z.number() })),
  })
  .meta({ id: 'MjTask' });
