/** The HTTP role: the app on a port, with request timeouts. */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loggerOptions } from './logger.js';
import type { Runtime } from './runtime.js';

export async function startServer(rt: Runtime): Promise<FastifyInstance> {
  const app = await buildApp(rt, {
    logger: { ...loggerOptions(rt.config.logLevel), serializers: { req: (r) => ({ method: r.method, url: r.url, id: r.id }) } },
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
    trustProxy: true,
  });
  await app.listen({ port: rt.config.port, host: rt.config.host });
  return app;
}
