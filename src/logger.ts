/** pino options shared by every process: JSON lines, secrets redacted, pretty only on a TTY. */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]',
  '*.apiKey', '*.apiKeys', '*.adminToken', '*.webhookSecret', '*.key', 'apiKey', 'adminToken', 'webhookSecret',
  'req.headers.cookie', 'headers.cookie', 'req.headers["x-mjg-signature"]', 'headers["x-mjg-signature"]',
  '*.encryptionKey', '*.secret', 'encryptionKey', 'secret',
];

export function loggerOptions(level: string): LoggerOptions {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}

/** One log line per request, at completion: method, route, status, time, request id and tenant (never a key). */
export class RequestLog extends LogController {
  /** Arrival only at debug (what the `req` serializer shows, redacted); the info line comes at completion. */
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method, url: request.url.split('?')[0], route: request.routeOptions.url, status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10, tenant: (request as { tenant?: { id?: string } }).tenant?.id,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request');
  }
}
