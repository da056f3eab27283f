/** `/admin/*` (Bearer adminToken): tenants and their keys. Rules live in services/admin.ts. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createTenantBodySchema, issuedKeySchema, keyParamsSchema, tenantListSchema, tenantParamsSchema, tenantViewSchema, updateTenantBodySchema,
} from '../../schemas/admin.js';
import { errorSchema } from '../../schemas/common.js';
import { createTenant, deleteTenant, issueKey, listTenants, readTenant, revokeKey, rotateKey, updateTenant } from '../../services/admin.js';
import operations from './operations.js';
import { taskSchema } from '../../schemas/task.js';
import { findByUpstream } from '../../services/tasks.js';
import { sendTestEvent } from '../../services/webhook-send.js';
import { webhookTestBodySchema, webhookTestResultSchema } from '../../schemas/webhook-test.js';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const security = [{ admin: [] }];
const tags = ['admin'];

const admin: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);
  await app.register(operations);

  app.post('/admin/tenants', {
    schema: { tags, security, summary: 'Create a tenant', body: createTenantBodySchema, response: { 201: tenantViewSchema, ...errors, 409: errorSchema } },
  }, async (req, reply) => reply.code(201).send(await createTenant(app.rt, req.body)));

  app.get('/admin/tenants', {
    schema: { tags, security, summary: 'List tenants', response: { 200: tenantListSchema, ...errors } },
  }, async () => ({ data: await listTenants(app.rt) }));

  app.get('/admin/tenants/:id', {
    schema: { tags, security, summary: 'Read a tenant', params: tenantParamsSchema, response: { 200: tenantViewSchema, ...errors } },
  }, async (req) => readTenant(app.rt, req.params.id));

  app.get('/admin/tasks/by-upstream/:providerId/:upstreamId', {
    schema: {
      tags, security, summary: "Find the task a provider's job id belongs to (support lookups)",
      params: z.object({ providerId: z.string().max(64), upstreamId: z.string().min(1).max(200) }),
      response: { 200: z.object({ tenantId: z.string(), task: taskSchema }), ...errors },
    },
  }, async (req) => findByUpstream(app.rt, req.params.providerId, req.params.upstreamId));

  app.patch('/admin/tenants/:id', {
    schema: { tags, security, summary: "Change a tenant's limits and settings (null removes one)", params: tenantParamsSchema, body: updateTenantBodySchema, response: { 200: tenantViewSchema, ...errors } },
  }, async (req) => updateTenant(app.rt, req.params.id, req.body));

  app.delete('/admin/tenants/:id', {
    schema: { tags, security, summary: 'Delete a tenant and its keys (its tasks stay readable by admin until retention)', params: tenantParamsSchema, response: { 204: z.null().describe('Deleted'), ...errors } },
  }, async (req, reply) => {
    await deleteTenant(app.rt, req.params.id);
    return reply.code(204).send(null);
  });

  app.post('/admin/tenants/:id/keys', {
    schema: { tags, security, summary: 'Issue a key (the plaintext is in this answer only)', params: tenantParamsSchema, response: { 201: issuedKeySchema, ...errors } },
  }, async (req, reply) => reply.code(201).send(await issueKey(app.rt, req.params.id)));

  app.delete('/admin/tenants/:id/keys/:keyId', {
    schema: { tags, security, summary: 'Revoke a key, at once in every process', params: keyParamsSchema, response: { 204: z.null().describe('Revoked'), ...errors } },
  }, async (req, reply) => {
    await revokeKey(app.rt, req.params.id, req.params.keyId);
    return reply.code(204).send(null);
  });

  app.post('/admin/tenants/:id/keys/:keyId/rotate', {
    schema: { tags, security, summary: 'Issue a new key and revoke this one', params: keyParamsSchema, response: { 201: issuedKeySchema, ...errors } },
  }, async (req, reply) => reply.code(201).send(await rotateKey(app.rt, req.params.id, req.params.keyId)));

  app.post('/admin/tenants/:id/webhook-test', {
    schema: {
      tags, security, summary: "Send a signed test event to the tenant's webhook URL (or body.url) and report the answer",
      params: tenantParamsSchema, body: webhookTestBodySchema.nullish(), response: { 200: webhookTestResultSchema, ...errors },
    },
  }, async (req) => sendTestEvent(app.rt, req.params.id, req.body?.url));
};

export default admin;
