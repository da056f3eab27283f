/**
 * Authentication. Tenants: `Authorization: Bearer <key>` or `x-api-key`, looked up by SHA-256 digest through a
 * per-process cache invalidated over pub/sub, then counted against `rateLimitPerMinute` (one Lua call).
 * Admin: `Authorization: Bearer <adminToken>`, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { apiError } from '../errors.js';
import { AuthCache } from '../services/auth-cache.js';
import { rateLimitHeaders } from '../services/rate-limit.js';
import { sha256, type Tenant } from '../store/tenant-store.js';

declare module 'fastify' {
  interface FastifyRequest { tenant: Tenant }
  interface FastifyInstance {
    /** onRequest hook of every tenant route: 401 without a valid key, 429 past the tenant's rate limit. */
    authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** onRequest hook of `/admin/*`: 401 without the admin token, 403 for a tenant key or when no token is configured. */
    authenticateAdmin: (req: FastifyRequest) => Promise<void>;
  }
}

/** Longest key looked up: anything longer is no key of ours (and not worth a hash). */
const MAX_KEY_LENGTH = 512;

export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim() || undefined;
  const key = req.headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export default fp(
  async (app) => {
    const cache = new AuthCache(app.rt.tenants, app.rt.log);
    const adminDigest = app.rt.config.adminToken ? digest(app.rt.config.adminToken) : null;
    // Docs-only builds (openapi export) have no Redis: nothing to subscribe to.
    app.addHook('onReady', async () => {
      if (app.rt.redis) await cache.start(app.rt.config.redisUrl);
    });
    app.addHook('onClose', async () => cache.close());

    const lookup = (key: string) => (key.length <= MAX_KEY_LENGTH ? cache.lookup(sha256(key)) : Promise.resolve(null));

    app.decorateRequest('tenant', null as unknown as Tenant);
    app.decorate('authenticate', async (req: FastifyRequest, reply: FastifyReply) => {
      const key = presentedKey(req);
      if (!key) throw apiError('unauthorized', 'send your tenant key as "Authorization: Bearer <key>" or "x-api-key: <key>"');
      const found = await lookup(key);
      if (!found) throw apiError('unauthorized', 'unknown or revoked API key');
      req.tenant = found.tenant;
      const decision = await app.rt.rateLimit.hit(found.tenant.id, found.tenant.rateLimitPerMinute);
      const headers = rateLimitHeaders(decision);
      if (!decision.allowed) {
        throw apiError('rate_limited', `more than ${decision.limit} requests in the last minute: retry after ${headers['retry-after']} s`, { limit: decision.limit, retryAfterSeconds: Number(headers['retry-after']) }, headers);
      }
      reply.headers(headers);
    });

    app.decorate('authenticateAdmin', async (req: FastifyRequest) => {
      const auth = req.headers.authorization;
      const token = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : '';
      if (!token) throw apiError('unauthorized', 'send the admin token as "Authorization: Bearer <adminToken>"');
      if (!adminDigest) throw apiError('forbidden', 'the admin API is disabled: set adminToken (or ADMIN_TOKEN) in the configuration');
      if (timingSafeEqual(digest(token), adminDigest)) return;
      if (await lookup(token)) throw apiError('forbidden', 'a tenant key cannot use the admin API: send the admin token');
      throw apiError('unauthorized', 'wrong admin token');
    });
  },
  { name: 'auth', dependencies: ['runtime'] },
);
