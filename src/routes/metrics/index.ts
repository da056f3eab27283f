/** `GET /metrics`: Prometheus text format, from this process's registry. */
import type { FastifyPluginAsync } from 'fastify';

const metrics: FastifyPluginAsync = async (app) => {
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics of this process', hide: false } }, async (_req, reply) => {
    const { registry } = app.rt.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};

export default metrics;
