/** pino options shared by every process: JSON lines, secrets redacted, pretty only on a TTY. */
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]',
  '*.apiKey', '*.apiKeys', '*.adminToken', '*.webhookSecret', '*.key', 'apiKey', 'adminToken', 'webhookSecret',
  'req.headers.cookie', 'headers.cookie', 'req.headers["x-mjg-signature"]', 'headers["x-mjg-signature"]',
  '*.encryptionKey', '*.secret', 'encryptionKey', 'secret',
];

/** A request path as logged: a provider callback's token (a credential) is replaced, the query dropped. */
export function redactPath(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.startsWith('/v1/callbacks/') ? path.replace(/^(\/v1\/callbacks\/[^/]*\/)[^/]+/, '$1[redacted]') : path;
}

export function loggerOptions(level: string): LoggerOptions {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  };
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type PinoLike = FastifyBaseLogger & { isLevelEnabled(level: LevelWithSilentOrString): boolean };

/**
 * A request's logger (`req.log`): the same lines as a pino child carrying `reqId`, but the child is only built the
 * first time something is logged at an enabled level, so a request that logs nothing costs no child.
 */
export class RequestLogger {
  private real: FastifyBaseLogger | undefined;
  constructor(private readonly parent: PinoLike, private readonly bindings: Bindings) {}

  private get log(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings));
  }

  get level(): string {
    return this.real ? this.real.level : this.parent.level;
  }

  set level(level: string) {
    this.log.level = level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return ((this.real ?? this.parent) as PinoLike).isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.log.child(bindings, options);
  }

  /** One line with the request's bindings, written through the parent unless the child already exists (same output). */
  line(level: Level, obj: Record<string, unknown>, msg: string): void {
    if (this.real) this.real[level](obj, msg);
    else this.parent[level]({ ...this.bindings, ...obj }, msg);
  }

  private write(level: Level, args: unknown[]): void {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- pino's LogFn overloads take no spread list
    if (this.isLevelEnabled(level)) (this.log[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {}
}

/** Fastify's `childLoggerFactory`: a RequestLogger, or a plain child when the route sets its own level or serializers. */
export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger {
  if (opts.level !== undefined || opts.serializers !== undefined) return logger.child(bindings, opts);
  return new RequestLogger(logger as PinoLike, bindings);
}

/** One log line per request, at completion: method, route, status, time, request id and tenant (never a key). */
export class RequestLog extends LogController {
  /** Arrival only at debug (what the `req` serializer shows, redacted); the info line comes at completion. */
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const log = reply.log as FastifyBaseLogger & Partial<Pick<RequestLogger, 'line' | 'isLevelEnabled'>>;
    const level = error ? 'error' : 'info';
    if (log.isLevelEnabled && !log.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {
      method: request.method, url: redactPath(request.url), route: request.routeOptions.url, status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10, tenant: (request as { tenant?: { id?: string } }).tenant?.id,
    };
    if (error) line.err = error;
    if (log.line) log.line(level, line, error ? 'request errored' : 'request');
    else log[level](line, error ? 'request errored' : 'request');
  }
}
