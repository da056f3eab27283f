/** The HTTP role: the app on a port, with request timeouts. */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loggerOptions } from './logger.js';
import type { Runtime } from './runtime.js';

/**
 * The HTTP server's options. `trustProxy`: the gateway runs behind a proxy that terminates TLS, whose
 * `X-Forwarded-*` headers say how the client came in (HSTS goes only on answers that left over HTTPS).
 */
export const SERVER_OPTIONS = { connectionTimeout: 30_000, requestTimeout: 30_000, keepAliveTimeout: 65_000, trustProxy: true } as const;

export async function startServer(rt: Runtime): Promise<FastifyInstance> {
  const app = await buildApp(rt, {
    logger: { ...loggerOptions(rt.config.logLevel), serializers: { req: (r) => ({ method: r.method, url: r.url, id: r.id }) } },
    ...SERVER_OPTIONS,
  });
  await app.listen({ port: rt.config.port, host: rt.config.host });
  return app;
}
