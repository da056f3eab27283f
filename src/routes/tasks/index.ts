/** `/v1/tasks`: submit, read, list, cancel. Business rules live in services/tasks.ts. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorSchema, tenantErrors } from '../../schemas/common.js';
import { listQuerySchema, submitBodySchema, taskListSchema, taskParamsSchema, taskSchema } from '../../schemas/task.js';
import { cancelTask, readTask, submitTask } from '../../services/tasks.js';
import { listDeliveries } from '../../services/webhooks.js';
import { deliveryListSchema } from '../../schemas/usage.js';
import { apiError } from '../../errors.js';
import { sendJsonText } from '../raw-json.js';
import { submitBodyLimit } from '../../media-config.js';

const idempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().describe('Repeat-safe submit: the same key (per tenant, 24 h) returns the first task'),
});

const tasks: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);

  app.post('/v1/tasks', {
    bodyLimit: submitBodyLimit(app.rt.config),
    schema: {
      tags: ['tasks'], summary: 'Submit a task', security: [{ bearer: [] }],
      body: submitBodySchema, headers: idempotencyHeaders,
      response: { 200: taskSchema, 202: taskSchema, ...tenantErrors, 402: errorSchema, 403: errorSchema, 409: errorSchema, 413: errorSchema, 422: errorSchema },
    },
  }, async (req, reply) => {
    const { task, created } = await submitTask(app.rt, req.tenant, req.body, req.headers['idempotency-key']);
    reply.code(created ? 202 : 200);
    return sendJsonText(reply, task);
  });

  app.get('/v1/tasks/:id', {
    schema: { tags: ['tasks'], summary: 'Read one task', security: [{ bearer: [] }], params: taskParamsSchema, response: { 200: taskSchema, ...tenantErrors } },
  }, async (req, reply) => {
    const doc = await readTask(app.rt, req.tenant.id, req.params.id);
    if (!doc) throw apiError('not_found', `task ${req.params.id} not found`);
    // The stored document is already the public JSON: send it as is.
    return sendJsonText(reply, doc);
  });

  app.get('/v1/tasks', {
    schema: { tags: ['tasks'], summary: "List the tenant's tasks, newest first", security: [{ bearer: [] }], querystring: listQuerySchema, response: { 200: taskListSchema, ...tenantErrors } },
  }, async (req, reply) => {
    const { docs, nextCursor } = await app.rt.tasks.list(req.tenant.id, req.query);
    return sendJsonText(reply, `{"data":[${docs.join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`);
  });

  app.post('/v1/tasks/:id/cancel', {
    schema: { tags: ['tasks'], summary: 'Cancel a task no provider has accepted yet', security: [{ bearer: [] }], params: taskParamsSchema, response: { 200: taskSchema, ...tenantErrors, 409: errorSchema } },
  }, async (req) => cancelTask(app.rt, req.tenant.id, req.params.id));

  app.get('/v1/tasks/:id/deliveries', {
    schema: { tags: ['tasks'], summary: "The task's webhook delivery log: events, attempts, status codes, times", security: [{ bearer: [] }], params: taskParamsSchema, response: { 200: deliveryListSchema, ...tenantErrors } },
  }, async (req) => ({ data: await listDeliveries(app.rt, req.tenant.id, req.params.id) }));
};

export default tasks;
