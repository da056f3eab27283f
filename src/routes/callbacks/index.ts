/**
 * `POST /v1/callbacks/{providerId}/{token}`: where providers report a job change. The body is never trusted:
 * a valid token only wakes the task's poll job, which re-reads the job from the provider. The job id the body names
 * only tells a job no task knows apart (an orphan: services/orphans.ts), which wakes nothing.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiError } from '../../errors.js';
import { errorSchema } from '../../schemas/common.js';
import { acceptCallback } from '../../services/callbacks.js';

const callbacks: FastifyPluginAsyncZod = async (app) => {
  // Providers send whatever content type they like: JSON is read (for the job id it names), anything else is dropped.
  const parse = (_req: unknown, body: Buffer, done: (err: null, value: unknown) => void) => {
    try {
      done(null, body.length ? JSON.parse(body.toString('utf8')) : undefined);
    } catch {
      done(null, undefined);
    }
  };
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, parse);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parse);
  app.post('/v1/callbacks/:providerId/:token', {
    schema: {
      tags: ['callbacks'], summary: 'Upstream job notifications (unguessable token per job)',
      params: z.object({ providerId: z.string().max(64), token: z.string().max(128) }),
      response: { 202: z.object({ ok: z.literal(true) }), 404: errorSchema },
    },
  }, async (req, reply) => {
    const { providerId, token } = req.params;
    const seen = await acceptCallback(app.rt, providerId, token, req.body);
    if (!seen) throw apiError('not_found', 'unknown callback');
    req.log.info({ taskId: seen.taskId, provider: providerId, orphan: seen.orphan }, 'provider callback');
    return reply.code(202).send({ ok: true });
  });
};

export default callbacks;
