/**
 * The app as a Fastify plugin tree: explicit register order, one error handler, one not-found handler.
 * It receives a Runtime; it never reads process.env.
 */
import { randomBytes } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { apiError, envelope, ApiError, ERROR_STATUS } from './errors.js';
import { clientErrorHandler, MAX_JSON_DEPTH, nestsTooDeep } from './http-edges.js';
import { trackAllowedMethods, type AllowedMethods } from './routes/allowed-methods.js';
import { RequestLog, requestLogger } from './logger.js';
import { finishOpenApi } from './openapi-document.js';
import auth from './plugins/auth.js';
import runtimePlugin from './plugins/runtime.js';
import securityHeaders from './plugins/security-headers.js';
import taskWatch from './plugins/task-watch.js';
import admin from './routes/admin/index.js';
import consoleRoutes from './routes/console/index.js';
import usage from './routes/usage/index.js';
import callbacks from './routes/callbacks/index.js';
import health from './routes/health/index.js';
import metricsRoute from './routes/metrics/index.js';
import providers from './routes/providers/index.js';
import tasks from './routes/tasks/index.js';
import mjProxy from './ingress/mjproxy/index.js';
import mediaServe from './routes/media/serve.js';
import media from './routes/media/index.js';
import type { Runtime } from './runtime.js';

export const API_VERSION = '1.0.0';

interface ValidationIssue { instancePath?: string; message?: string }

/** "body.index: index must be 1, 2, 3 or 4" — where the problem is, and what to do. */
function describeValidation(err: FastifyError): { message: string; details: Array<{ path: string; message: string }> } {
  const where = (err as { validationContext?: string }).validationContext ?? 'body';
  const details = ((err.validation ?? []) as ValidationIssue[]).map((v) => {
    const path = `${where}${(v.instancePath ?? '').replace(/\//g, '.').replace(/\.$/, '')}`;
    return { path, message: v.message ?? 'invalid' };
  });
  return { message: details.map((d) => `${d.path}: ${d.message}`).join('; ') || 'the request is invalid', details };
}

const FASTIFY_CODES: Record<string, [ApiError['code'], string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_request', 'the body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_request', 'the body is empty; send a JSON object'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'send the body as Content-Type: application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'Content-Length does not match the body'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'the body is larger than the limit'],
};

/** An error as the client gets it: status, extra headers and the envelope. Logs what the operator must see. */
export interface ErrorAnswer { status: number; headers?: Record<string, string>; body: ReturnType<typeof envelope> }

export function errorAnswer(app: FastifyInstance, err: FastifyError, req: FastifyRequest): ErrorAnswer {
  if (err instanceof ApiError) return { status: err.status, headers: err.headers, body: envelope(err.code, err.message, err.details) };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const { message, details } = describeValidation(err);
    return { status: 400, body: envelope('invalid_request', message, details) };
  }
  const known = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (known) {
    const [code, text] = known;
    if (code === 'payload_too_large') return { status: 413, body: envelope(code, `${text} (${req.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit} bytes)`) };
    // Our own JSON parser's message already starts with the text: say it once.
    return { status: ERROR_STATUS[code], body: envelope(code, err.message.startsWith(text) ? err.message : `${text}: ${err.message}`) };
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return { status: 400, body: envelope('invalid_request', err.message) };
  const redisDown = /Connection is closed|Stream isn't writeable|ECONNREFUSED|MaxRetriesPerRequest|READONLY|NOREPLICAS|All sentinels are unreachable|LOADING|MASTERDOWN|UNBLOCKED|Command timed out|Command aborted|ECONNRESET|EPIPE|ETIMEDOUT/i.test(err.message ?? '');
  if (redisDown) {
    req.log.error({ err: err.message }, 'storage unavailable');
    return { status: 503, headers: { 'retry-after': '5' }, body: envelope('unavailable', 'storage is unavailable; retry shortly') };
  }
  req.log.error({ err }, 'unhandled error');
  return { status: 500, body: envelope('internal', 'internal error; the request id is in the x-request-id header') };
}

/** The one error handler and the one not-found handler (405 with `Allow` when `allowed` knows the path). */
export function registerErrorHandlers(app: FastifyInstance, allowed?: AllowedMethods): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const answer = errorAnswer(app, err, req);
    if (answer.headers) reply.headers(answer.headers);
    return reply.code(answer.status).send(answer.body);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const allow = allowed?.(path) ?? [];
    if (allow.length === 0) return reply.code(404).send(envelope('not_found', `no route ${req.method} ${path}`));
    return reply.code(405).header('allow', allow.join(', ')).send(envelope('method_not_allowed', `${path} does not take ${req.method}; use ${allow.join(' or ')}`, { allow }));
  });
}

export const appPlugin = fp<{ runtime: Runtime }>(async (app, opts) => {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandlers(app, trackAllowedMethods(app));

  // JSON bodies: an empty body reads as "no body" (POST /cancel with a JSON content type), anything else must parse.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    if (nestsTooDeep(text)) return done(apiError('invalid_request', `the body nests objects/arrays deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const e = new Error(`the body is not valid JSON: ${(err as Error).message}`) as FastifyError;
      e.statusCode = 400;
      e.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
      done(e, undefined);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'mj-gateway', version: API_VERSION, description: 'One canonical task API in front of several Midjourney API providers.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Tenant API key (or send it as x-api-key)' },
          admin: { type: 'http', scheme: 'bearer', description: 'The adminToken (guards /admin/*)' },
          mjApiSecret: { type: 'apiKey', in: 'header', name: 'mj-api-secret', description: 'The tenant key in the mj-api-secret header (midjourney-proxy clients)' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => finishOpenApi(jsonSchemaTransformObject(input) as Parameters<typeof finishOpenApi>[0]),
  });
  await app.register(securityHeaders);
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(runtimePlugin, { runtime: opts.runtime });
  await app.register(auth);
  await app.register(taskWatch);
  await app.register(health);
  await app.register(metricsRoute);
  await app.register(tasks);
  await app.register(providers);
  await app.register(callbacks);
  await app.register(usage);
  await app.register(admin);
  await app.register(mjProxy);
  await app.register(mediaServe);
  await app.register(consoleRoutes);
  await app.register(media);
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}, { name: 'mj-gateway' });

/** This process's part of every request id it makes: ids stay unique across processes and restarts. */
const REQUEST_ID_TAG = randomBytes(8).toString('hex');
let requestSeq = 0;
/** A request id (when the client sent no x-request-id): the process tag and a counter, no entropy drawn per request. */
const nextRequestId = () => `${REQUEST_ID_TAG}-${(++requestSeq).toString(36)}`;

/** Builds a ready Fastify instance around a Runtime (tests and the server both use this). */
export async function buildApp(runtime: Runtime, opts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: runtime.config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: nextRequestId,
    logController: new RequestLog(),
    clientErrorHandler,
    // With a logger, each request's `req.log` builds its pino child only if the request logs something.
    ...(opts.logger || opts.loggerInstance ? { childLoggerFactory: requestLogger } : {}),
    // Errors raised before routing (a malformed %-escape, an over-long parameter) get the envelope too.
    frameworkErrors: (err, _req, res) => {
      const client = (err.statusCode ?? 500) < 500;
      const reply = res as unknown as FastifyReply;
      void reply.code(client ? 400 : 500).send(envelope(client ? 'invalid_request' : 'internal', client ? `the URL is not valid: ${err.message}` : 'internal error'));
    },
    ...opts,
  });
  // Per-request hooks in callback form: no promise per request.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
  });
  const { httpRequests } = runtime.metrics ?? {};
  if (httpRequests) {
    app.addHook('onResponse', (req, reply, done) => {
      httpRequests.observe(req.routeOptions.url ?? 'unknown', req.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
  await app.register(appPlugin, { runtime });
  await app.ready();
  return app;
}
