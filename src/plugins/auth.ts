/**
 * Authentication. Tenants: `Authorization: Bearer <key>` or `x-api-key`, looked up by SHA-256 digest (hashed on every
 * request) through a per-process cache invalidated over pub/sub, then counted against
 * `rateLimitPerMinute` (services/rate-limit.ts: from this process's lease when it holds one, otherwise one Lua call).
 * Admin: `Authorization: Bearer <adminToken>`, compared in constant time.
 *
 * A decision that needs the Lua call is awaited in the onRequest hook, on every route, before anything else runs.
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { apiError, type ApiError } from '../errors.js';
import { AuthCache, type Authenticated } from '../services/auth-cache.js';
import { rateLimitHeaders, type RateDecision } from '../services/rate-limit.js';
import type { Tenant } from '../store/tenant-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant;
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

/** The 429 of a refused decision (`headers` are its `rateLimitHeaders`). */
export function rateLimited(d: RateDecision, headers: Record<string, string>): ApiError {
  return apiError('rate_limited', `more than ${d.limit} requests in the last minute: retry after ${headers['retry-after']} s`, { limit: d.limit, retryAfterSeconds: Number(headers['retry-after']) }, headers);
}

/** The 403 of a key whose tenant is disabled. */
const tenantDisabled = (t: Tenant) =>
  apiError('tenant_disabled', t.disabledReason === 'removed_from_config'
    ? `tenant ${t.id} is disabled: the configuration no longer lists it`
    : `tenant ${t.id} is disabled: ask the operator to enable it`);

export default fp(
  async (app) => {
    const cache = new AuthCache(app.rt.tenants, app.rt.log);
    const adminDigest = app.rt.config.adminToken ? digest(app.rt.config.adminToken) : null;
    // An offline runtime (the OpenAPI export) has no Redis: nothing to subscribe to.
    app.addHook('onReady', async () => {
      if (app.rt.online) await cache.start(app.rt.redisAddress);
    });
    app.addHook('onClose', async () => cache.close());

    const lookup = (key: string) => (key.length <= MAX_KEY_LENGTH ? cache.lookup(keyHash(key)) : Promise.resolve(null));

    app.decorateRequest('tenant', null as unknown as Tenant);
    /** Counts the request against the tenant's limit before anything else runs. */
    const admit = (req: FastifyRequest, reply: FastifyReply, found: Authenticated, done: HookHandlerDoneFunction) => {
      if (found.tenant.disabledAt) return done(tenantDisabled(found.tenant));
      req.tenant = found.tenant;
      const pending = app.rt.rateLimit.take(found.tenant.id, found.tenant.rateLimitPerMinute);
      if (!(pending instanceof Promise)) {
        // Decided by this process's lease (or a refusal it holds): no Redis call, nothing to wait for.
        const headers = rateLimitHeaders(pending);
        if (!pending.allowed) return done(rateLimited(pending, headers));
        reply.headers(headers);
        return done();
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
      const digestHex = keyHash(key);
      const cached = cache.peek(digestHex);
      if (cached) return admit(req, reply, cached, done);
      cache.lookup(digestHex).then((found) => (found ? admit(req, reply, found, done) : done(unknownKey())), done);
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
