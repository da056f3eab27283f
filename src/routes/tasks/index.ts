/** `/v1/tasks`: submit, read, list, cancel, follow. Business rules live in services/tasks.ts. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorSchema, tenantErrors } from '../../schemas/common.js';
import { listQuerySchema, submitBodySchema, taskListSchema, taskParamsSchema, taskSchema } from '../../schemas/task.js';
import { cancelTask, readTask, submitTask } from '../../services/tasks.js';
import { preferredWait, waitForFinal } from '../../services/task-follow.js';
import { listDeliveries } from '../../services/webhooks.js';
import { deliveryListSchema, deliverySchema } from '../../schemas/usage.js';
import { redeliver } from '../../services/webhook-send.js';
import { apiError } from '../../errors.js';
import { sendJsonText } from '../raw-json.js';
import { submitBodyLimit } from '../../media-config.js';
import { registerEvents } from './events.js';

const preferHeader = {
  prefer: z.string().max(200).optional().describe('`wait=N` (N ≤ 60): hold the answer until the task is final or N seconds pass (RFC 7240)'),
};
const idempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().describe('Repeat-safe submit: the same key (per tenant, 24 h) returns the first task'),
  ...preferHeader,
});

/**
 * Honours `Prefer: wait=N` for a task the tenant can read: the latest document once final or after N seconds
 * (`Preference-Applied` says so); `doc` unchanged when no wait was asked.
 */
async function held(app: Parameters<FastifyPluginAsyncZod>[0], req: FastifyRequest, reply: FastifyReply, taskId: string, doc: string): Promise<string> {
  const seconds = preferredWait(req.headers.prefer);
  if (seconds === null) return doc;
  reply.header('preference-applied', `wait=${seconds}`);
  // The socket's idle timer must outlast the wait (nothing is written while holding).
  reply.raw.setTimeout((seconds + 30) * 1000);
  const abort = new AbortController();
  const onClose = () => abort.abort();
  reply.raw.once('close', onClose);
  const snap = await waitForFinal(app.taskWatch, app.rt.tasks, req.tenant.id, taskId, seconds, abort.signal);
  reply.raw.off('close', onClose);
  return snap?.doc ?? doc;
}

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
    const { task, created, id } = await submitTask(app.rt, req.tenant, req.body, req.headers['idempotency-key']);
    reply.code(created ? 202 : 200).header('location', `/v1/tasks/${id}`);
    if (!created) reply.header('idempotent-replayed', 'true');
    return sendJsonText(reply, await held(app, req, reply, id, task));
  });

  app.get('/v1/tasks/:id', {
    schema: { tags: ['tasks'], summary: 'Read one task', security: [{ bearer: [] }], params: taskParamsSchema, headers: z.object(preferHeader), response: { 200: taskSchema, ...tenantErrors } },
  }, async (req, reply) => {
    const doc = await readTask(app.rt, req.tenant.id, req.params.id);
    if (!doc) throw apiError('not_found', `task ${req.params.id} not found`);
    // The stored document is already the public JSON: send it as is.
    return sendJsonText(reply, await held(app, req, reply, req.params.id, doc));
  });

  registerEvents(app, {
    tags: ['tasks'], summary: "Server-sent events: one `task` event per change of the task, until it is final",
    security: [{ bearer: [] }], params: taskParamsSchema, response: { ...tenantErrors },
  });

  app.get('/v1/tasks', {
    schema: { tags: ['tasks'], summary: "List the tenant's tasks, newest first", security: [{ bearer: [] }], querystring: listQuerySchema, response: { 200: taskListSchema, ...tenantErrors } },
  }, async (req, reply) => {
    const { from, to } = req.query;
    if (from !== undefined && to !== undefined && from > to) throw apiError('invalid_request', 'querystring.from is after querystring.to');
    const { docs, nextCursor } = await app.rt.tasks.list(req.tenant.id, req.query);
    return sendJsonText(reply, `{"data":[${docs.join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`);
  });

  app.post('/v1/tasks/:id/cancel', {
    schema: { tags: ['tasks'], summary: 'Cancel a task that is not final yet',
      description: 'A queued task simply ends. A task its provider is running (submitted, running) is canceled at once too, but its upstream job runs on (no provider offers a cancel call): the gateway keeps following it quietly to free the provider slot when it ends, and the task carries the price the provider still charges as its cost (usage: canceledCostUsd). 409 not_cancelable for a task that succeeded or failed, or whose submit is in flight; a repeated cancel answers the canceled task.',
      security: [{ bearer: [] }], params: taskParamsSchema, response: { 200: taskSchema, ...tenantErrors, 409: errorSchema } },
  }, async (req) => cancelTask(app.rt, req.tenant.id, req.params.id));

  app.get('/v1/tasks/:id/deliveries', {
    schema: { tags: ['tasks'], summary: "The task's webhook delivery log: events, attempts, status codes, times", security: [{ bearer: [] }], params: taskParamsSchema, response: { 200: deliveryListSchema, ...tenantErrors } },
  }, async (req) => ({ data: await listDeliveries(app.rt, req.tenant.id, req.params.id) }));

  app.post('/v1/tasks/:id/deliveries/:eventId/redeliver', {
    schema: {
      tags: ['tasks'], summary: 'Send a webhook event again, now (its attempt joins the delivery log)', security: [{ bearer: [] }],
      params: taskParamsSchema.extend({ eventId: z.string().min(1).max(80) }), response: { 200: deliverySchema, ...tenantErrors },
    },
  }, async (req) => redeliver(app.rt, req.tenant.id, req.params.id, req.params.eventId));
};

export default tasks;
