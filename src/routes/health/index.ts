/** Liveness and readiness. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const health: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', {
    schema: { tags: ['health'], summary: 'Readiness: Redis reachable', response: { 200: z.object({ status: z.literal('ready'), redis: z.literal('ok') }), 503: z.object({ status: z.literal('unavailable'), redis: z.string() }) } },
  }, async (_req, reply) => {
    try {
      await app.rt.ping();
      return { status: 'ready' as const, redis: 'ok' as const };
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable' as const, redis: (err as Error).message });
    }
  });
};

export default health;
