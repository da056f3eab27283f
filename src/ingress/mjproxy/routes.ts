/** The `/mj` routes: each translates to the canonical services (service.ts) and answers in the protocol's shapes. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { sendJsonParts, sendJsonText } from '../../routes/raw-json.js';
import { apiError } from '../../errors.js';
import { errorSchema } from '../../schemas/common.js';
import * as s from './schemas.js';
import { listVos, fetchVo } from './reads.js';
import { cancel, imageSeed, pressButton, submitCanonical, submitModal, type SubmitContext } from './service.js';
import * as t from './translate.js';

const SECURITY: Array<Record<string, string[]>> = [{ mjApiSecret: [] }, { bearer: [] }];

export interface RouteOptions { speed?: 'relax' | 'fast' | 'turbo'; hide: boolean; errors: Record<number, typeof errorSchema> }

export async function routes(parent: FastifyInstance, o: RouteOptions): Promise<void> {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const rt = app.rt;
  const doc = (summary: string) => ({ tags: ['midjourney-proxy'], summary, hide: o.hide, security: SECURITY });
  const submitOpts = { bodyLimit: rt.config.mjProxy.bodyLimitBytes, config: { answerCodes: true } };
  const answers = { 200: s.answerSchema, ...o.errors };
  const ctx = (b: { state?: string; notifyHook?: string }): SubmitContext => ({ state: b.state, notifyHook: b.notifyHook, speed: o.speed });

  /** A submit route: its body schema, and the canonical body it stands for. */
  const submit = <S extends z.ZodType>(path: string, summary: string, body: S, toCanonical: (b: z.infer<S>) => Record<string, unknown>) => {
    app.post(`/submit/${path}`, { ...submitOpts, schema: { ...doc(summary), body, response: answers } }, async (req) => {
      const b = req.body as z.infer<S> & { state?: string; notifyHook?: string };
      return submitCanonical(rt, req.tenant, toCanonical(b), ctx(b));
    });
  };
  submit('imagine', 'Imagine (base64Array: image prompts as data URLs)', s.imagineBody, t.imagine);
  submit('change', 'U1-U4, V1-V4 or reroll of a finished grid', s.changeBody, t.change);
  submit('simple-change', 'The same as change, written "<taskId> U2"', s.simpleChangeBody, (b) => t.simpleChange(b.content));
  submit('blend', 'Blend 2-5 images', s.blendBody, t.blend);
  submit('describe', 'Four prompts for an image', s.describeBody, t.describe);
  submit('shorten', 'Shorter versions of a prompt', s.shortenBody, (b) => ({ action: 'shorten', prompt: b.prompt }));
  submit('video', 'Animate an image or a grid image', s.videoBody, t.video);
  submit('edits', 'Repaint the masked part of an image (image, maskBase64, prompt)', s.editsBody, t.edits);
  submit('retexture', 'Restyle a whole image (image, prompt)', s.retextureBody, t.retexture);

  app.post('/submit/action', { ...submitOpts, schema: { ...doc("Press a finished task's button by customId"), body: s.actionBody, response: answers } },
    async (req) => pressButton(rt, req.tenant, req.body, ctx(req.body)));
  app.post('/submit/modal', { ...submitOpts, schema: { ...doc('Complete a MODAL step (vary region: maskBase64; custom zoom, remix: prompt)'), body: s.modalBody, response: answers } },
    async (req) => submitModal(rt, req.tenant, req.body, ctx(req.body)));

  app.get('/task/:id/fetch', { schema: { ...doc('One task'), params: s.idParams, response: { 200: s.taskVoSchema, 404: errorSchema, ...o.errors } } }, async (req, reply) => {
    const json = await fetchVo(rt, req.tenant.id, req.params.id);
    if (json === null) throw apiError('not_found', `task ${req.params.id} not found`);
    return sendJsonText(reply, json);
  });
  app.post('/task/list-by-condition', { schema: { ...doc('The tasks among ids (at most 100), in one read'), body: s.listBody.optional(), response: { 200: s.taskVoSchema.array(), 400: errorSchema, ...o.errors } } },
    async (req, reply) => sendJsonParts(reply, await listVos(rt, req.tenant.id, req.body?.ids ?? [])));
  app.get('/task/:id/image-seed', { config: { answerCodes: true }, schema: { ...doc("A finished task's seed"), params: s.idParams, response: answers } },
    async (req) => imageSeed(rt, req.tenant.id, req.params.id));
  app.post('/task/:id/cancel', { config: { answerCodes: true }, schema: { ...doc('Cancel a task that is not final yet (one already running upstream too)'), params: s.idParams, response: answers } },
    async (req) => cancel(rt, req.tenant.id, req.params.id));
}
