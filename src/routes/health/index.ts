/** Liveness and readiness. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope } from '../../errors.js';
import { errorSchema } from '../../schemas/common.js';

const health: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', {
    schema: { tags: ['health'], summary: 'Readiness: Redis reachable', response: { 200: z.object({ status: z.literal('ready'), redis: z.literal('ok') }), 503: errorSchema } },
  }, async (_req, reply) => {
    try {
      await app.rt.ping();
      return { status: 'ready' as const, redis: 'ok' as const };
    } catch (err) {
      // Like every other non-2xx answer: the error envelope.
      return reply.code(503).header('retry-after', '5').send(envelope('unavailable', `Redis does not answer: ${(err as Error).message}`));
    }
  });
};

export default health;
