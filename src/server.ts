/** The HTTP role: the app on a port, with request timeouts. */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loggerOptions, redactPath } from './logger.js';
import type { Runtime } from './runtime.js';

/**
 * The HTTP server's options. `trustProxy`: the gateway runs behind a proxy that terminates TLS, whose
 * `X-Forwarded-*` headers say how the client came in (HSTS goes only on answers that left over HTTPS). A request must
 * have its headers in 5 s and its whole body in 10 s (checked every second): a client that promised more body than it
 * sends gets a 408 envelope, not a 30 s wait.
 */
export const SERVER_OPTIONS = {
  connectionTimeout: 30_000, requestTimeout: 10_000, keepAliveTimeout: 65_000, trustProxy: true,
  http: { headersTimeout: 5_000, connectionsCheckingInterval: 1_000 },
} as const;

export async function startServer(rt: Runtime): Promise<FastifyInstance> {
  const app = await buildApp(rt, {
    logger: { ...loggerOptions(rt.config.logLevel), serializers: { req: (r) => ({ method: r.method, url: redactPath(r.url), id: r.id }) } },
    ...SERVER_OPTIONS,
  });
  await app.listen({ port: rt.config.port, host: rt.config.host });
  return app;
}
