/** Tenant authentication: `Authorization: Bearer <key>` or `x-api-key`, looked up by SHA-256 digest. */
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { apiError } from '../errors.js';
import type { Tenant } from '../store/tenant-store.js';

declare module 'fastify' {
  interface FastifyRequest { tenant: Tenant }
  interface FastifyInstance { authenticate: (req: FastifyRequest) => Promise<void> }
}

export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim() || undefined;
  const key = req.headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

export default fp(
  async (app) => {
    app.decorateRequest('tenant', null as unknown as Tenant);
    app.decorate('authenticate', async (req: FastifyRequest) => {
      const key = presentedKey(req);
      if (!key) throw apiError('unauthorized', 'send your tenant key as "Authorization: Bearer <key>" or "x-api-key: <key>"');
      const rec = key.length <= 512 ? await app.rt.tenants.findKey(key) : null;
      const tenant = rec ? await app.rt.tenants.get(rec.tenantId) : null;
      if (!tenant) throw apiError('unauthorized', 'unknown or revoked API key');
      req.tenant = tenant;
    });
  },
  { name: 'auth', dependencies: ['runtime'] },
);
