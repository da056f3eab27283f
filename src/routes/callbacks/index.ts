/**
 * `POST /v1/callbacks/{providerId}/{token}`: where providers report a job change. The body is never trusted:
 * a valid token only wakes the task's poll job, which re-reads the job from the provider.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiError } from '../../errors.js';
import { errorSchema } from '../../schemas/common.js';
import { callbackTarget, wakeTask } from '../../services/callbacks.js';

const callbacks: FastifyPluginAsyncZod = async (app) => {
  // Providers send whatever content type they like; the body is not read beyond its size limit.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));
  app.post('/v1/callbacks/:providerId/:token', {
    schema: {
      tags: ['callbacks'], summary: 'Upstream job notifications (unguessable token per job)',
      params: z.object({ providerId: z.string().max(64), token: z.string().max(128) }),
      response: { 202: z.object({ ok: z.literal(true) }), 404: errorSchema },
    },
  }, async (req, reply) => {
    const { providerId, token } = req.params;
    const taskId = await callbackTarget(app.rt, providerId, token);
    if (!taskId) throw apiError('not_found', 'unknown callback');
    await wakeTask(app.rt, taskId);
    req.log.info({ taskId, provider: providerId }, 'provider callback');
    return reply.code(202).send({ ok: true });
  });
};

export default callbacks;
