/**
 * Authentication. Tenants: `Authorization: Bearer <key>` or `x-api-key`, looked up by SHA-256 digest (remembered per
 * connection: `keyDigest`) through a per-process cache invalidated over pub/sub, then counted against
 * `rateLimitPerMinute` (services/rate-limit.ts: from this process's lease when it holds one, otherwise one Lua call).
 * Admin: `Authorization: Bearer <adminToken>`, compared in constant time.
 *
 * A decision that needs the Lua call is awaited before anything else runs, except on read-only routes that declare
 * `config: { rateLimit: 'overlap' }`: there the Lua call is only started, so the handler's own read joins it in the
 * same Redis round trip, and the decision is enforced by an onSend hook that every such route gets when it is
 * declared. Whatever the handler produced (data or an error), a refused request is answered 429 instead, with the
 * same envelope and headers as on any other route; no answer of such a route leaves before its decision is known.
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler, onSendHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { apiError, type ApiError } from '../errors.js';
import { AuthCache, type Authenticated } from '../services/auth-cache.js';
import { rateLimitHeaders, type RateDecision } from '../services/rate-limit.js';
import type { Tenant } from '../store/tenant-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant;
    /** The tenant's rate-limit decision while it is still to be enforced (routes with `rateLimit: 'overlap'`). */
    rateDecision: Promise<RateDecision> | null;
  }
  interface FastifyContextConfig {
    /**
     * `'overlap'` (read-only routes only): the rate-limit call runs alongside the handler instead of before it; the
     * answer is held until the decision is known, and replaced by the 429 when it refuses. The handler must answer
     * through `reply.send` (or by returning), never by writing to the raw response.
     */
    rateLimit?: 'overlap';
  }
  interface FastifyInstance {
    /** onRequest hook of every tenant route: 401 without a valid key, 429 past the tenant's rate limit. */
    authenticate: onRequestHookHandler;
    /** onRequest hook of `/admin/*`: 401 without the admin token, 403 for a tenant key or when no token is configured. */
    authenticateAdmin: (req: FastifyRequest) => Promise<void>;
  }
}

/** Longest key looked up: anything longer is no key of ours (and not worth a hash). */
const MAX_KEY_LENGTH = 512;

const BEARER = /^Bearer\s+/i;

export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' ? BEARER.exec(auth) : null;
  if (bearer) return auth!.slice(bearer[0].length).trim() || undefined;
  const key = req.headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** The key's SHA-256 in hex, as stored (the one-shot form: a quarter of createHash's cost on a request's path). */
const keyHash = (key: string) => hash('sha256', key, 'hex');

/** Equal strings, compared without stopping at the first difference (keys: their lengths are no secret). */
function sameKey(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const kKeyMemo = Symbol('mjg.keyDigest');
type MemoSocket = { [kKeyMemo]?: { key: string; digest: string } };

/**
 * The key's digest, remembered on the connection: a client's keep-alive connection presents the same key on every
 * request, so only its first request pays for the hash. The memo lives and dies with the socket (no process-wide
 * map of raw keys), and only names a digest: what the digest grants is still looked up, through the cache that
 * revocations invalidate, on every request. A different key on the same connection (a proxy pooling connections of
 * several clients) is compared in constant time and hashed.
 */
export function keyDigest(socket: object | null | undefined, key: string): string {
  const holder = socket as MemoSocket | null | undefined;
  const memo = holder?.[kKeyMemo];
  if (memo !== undefined && sameKey(memo.key, key)) return memo.digest;
  const digestHex = keyHash(key);
  if (holder) holder[kKeyMemo] = { key, digest: digestHex };
  return digestHex;
}

const noop = () => undefined;

/** The 429 of a refused decision (`headers` are its `rateLimitHeaders`). */
export function rateLimited(d: RateDecision, headers: Record<string, string>): ApiError {
  return apiError('rate_limited', `more than ${d.limit} requests in the last minute: retry after ${headers['retry-after']} s`, { limit: d.limit, retryAfterSeconds: Number(headers['retry-after']) }, headers);
}

export interface AuthOptions {
  /** How an error is answered (the app's error handler): used when a deferred decision refuses or fails. */
  errorAnswer(err: FastifyError, req: FastifyRequest): { status: number; headers?: Record<string, string>; body: unknown };
}

export default fp<AuthOptions>(
  async (app, opts) => {
    const cache = new AuthCache(app.rt.tenants, app.rt.log);
    const adminDigest = app.rt.config.adminToken ? digest(app.rt.config.adminToken) : null;
    // An offline runtime (the OpenAPI export) has no Redis: nothing to subscribe to.
    app.addHook('onReady', async () => {
      if (app.rt.online) await cache.start(app.rt.config.redisUrl);
    });
    app.addHook('onClose', async () => cache.close());

    const lookup = (key: string) => (key.length <= MAX_KEY_LENGTH ? cache.lookup(keyHash(key)) : Promise.resolve(null));

    app.decorateRequest('tenant', null as unknown as Tenant);
    app.decorateRequest('rateDecision', null);
    /** Counts the request against the tenant's limit: decided now, or left to the route's onSend guard (overlap). */
    const admit = (req: FastifyRequest, reply: FastifyReply, found: Authenticated, done: HookHandlerDoneFunction) => {
      req.tenant = found.tenant;
      const pending = app.rt.rateLimit.take(found.tenant.id, found.tenant.rateLimitPerMinute);
      if (!(pending instanceof Promise)) {
        // Decided by this process's lease (or a refusal it holds): no Redis call, nothing to wait for.
        const headers = rateLimitHeaders(pending);
        if (!pending.allowed) return done(rateLimited(pending, headers));
        reply.headers(headers);
        return done();
      }
      if (req.routeOptions.config.rateLimit === 'overlap') {
        // Enforced by the route's onSend guard; until then a failure must not surface as an unhandled rejection.
        pending.catch(noop);
        req.rateDecision = pending;
        done();
        return;
      }
      pending.then((decision) => {
        const headers = rateLimitHeaders(decision);
        if (!decision.allowed) return done(rateLimited(decision, headers));
        reply.headers(headers);
        done();
      }, done);
    };
    const unknownKey = () => apiError('unauthorized', 'unknown or revoked API key');

    // Callback form: a key found in the cache costs no promise and no wait.
    app.decorate('authenticate', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const key = presentedKey(req);
      if (!key) return done(apiError('unauthorized', 'send your tenant key as "Authorization: Bearer <key>" or "x-api-key: <key>"'));
      if (key.length > MAX_KEY_LENGTH) return done(unknownKey());
      const digestHex = keyDigest(req.raw.socket, key);
      const cached = cache.peek(digestHex);
      if (cached) return admit(req, reply, cached, done);
      cache.lookup(digestHex).then((found) => (found ? admit(req, reply, found, done) : done(unknownKey())), done);
    });

    /** Answers the error instead of what the route produced, as the error handler would have. */
    const answerInstead = (err: FastifyError, req: FastifyRequest, reply: FastifyReply, done: (err: null, payload: string) => void) => {
      const answer = opts.errorAnswer(err, req);
      reply.code(answer.status);
      if (answer.headers) reply.headers(answer.headers);
      reply.type('application/json; charset=utf-8');
      done(null, JSON.stringify(answer.body));
    };
    /** onSend of every `rateLimit: 'overlap'` route: the answer waits for the decision and becomes the 429 if it refuses. */
    const enforce: onSendHookHandler = (req, reply, payload, done) => {
      const pending = req.rateDecision;
      if (pending === null) return done(null, payload);
      req.rateDecision = null;
      pending.then((decision) => {
        const headers = rateLimitHeaders(decision);
        if (!decision.allowed) return answerInstead(rateLimited(decision, headers), req, reply, done);
        reply.headers(headers);
        done(null, payload);
      }, (err: FastifyError) => answerInstead(err, req, reply, done));
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.rateLimit !== 'overlap') return;
      // First among the route's own onSend hooks (a HEAD route strips the body after it).
      const own = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
      route.onSend = [enforce, ...own];
    });

    app.decorate('authenticateAdmin', async (req: FastifyRequest) => {
      const auth = req.headers.authorization;
      const bearer = typeof auth === 'string' ? BEARER.exec(auth) : null;
      const token = bearer ? auth!.slice(bearer[0].length).trim() : '';
      if (!token) throw apiError('unauthorized', 'send the admin token as "Authorization: Bearer <adminToken>"');
      if (!adminDigest) throw apiError('forbidden', 'the admin API is disabled: set adminToken (or ADMIN_TOKEN) in the configuration');
      if (timingSafeEqual(digest(token), adminDigest)) return;
      if (await lookup(token)) throw apiError('forbidden', 'a tenant key cannot use the admin API: send the admin token');
      throw apiError('unauthorized', 'wrong admin token');
    });
  },
  { name: 'auth', dependencies: ['runtime'] },
);
