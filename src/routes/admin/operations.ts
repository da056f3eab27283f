/** Operator views under `/admin` (registered inside the admin plugin, so behind the admin token). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiError } from '../../errors.js';
import { adminProviderListSchema, adminQueuesSchema, orphanListQuerySchema, orphanListSchema } from '../../schemas/admin-ops.js';
import { tenantParamsSchema } from '../../schemas/admin.js';
import { errorSchema } from '../../schemas/common.js';
import { listQuerySchema, taskListSchema, taskParamsSchema, taskSchema } from '../../schemas/task.js';
import { usageQuerySchema, usageSchema } from '../../schemas/usage.js';
import { providersOverview, queuesOverview, readAnyTask } from '../../services/admin-ops.js';
import { usageReport } from '../../services/budget.js';
import { usageRange } from '../../services/usage-range.js';
import { sendJsonText } from '../raw-json.js';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const security = [{ admin: [] }];
const tags = ['admin'];

const operations: FastifyPluginAsyncZod = async (app) => {
  app.get('/admin/providers', {
    schema: { tags, security, summary: 'Every provider: circuit, slots in use, waiting tasks, recent error rate', response: { 200: adminProviderListSchema, ...errors } },
  }, async () => ({ data: await providersOverview(app.rt) }));

  app.get('/admin/queues', {
    schema: { tags, security, summary: 'Queue depths, upstream reads and the waiting room with its oldest task', response: { 200: adminQueuesSchema, ...errors } },
  }, async () => queuesOverview(app.rt));

  app.get('/admin/orphans', {
    schema: { tags, security, summary: 'Upstream jobs a provider ran that no task knows (a lost submit answer, sent again), newest first', querystring: orphanListQuerySchema, response: { 200: orphanListSchema, ...errors } },
  }, async (req) => ({ kept: await app.rt.orphans.count(), data: await app.rt.orphans.recent(req.query.limit) }));

  app.get('/admin/tenants/:id/usage', {
    schema: { tags, security, summary: "A tenant's task counts and cost by action and provider (UTC days)", params: tenantParamsSchema, querystring: usageQuerySchema, response: { 200: usageSchema, ...errors } },
  }, async (req) => {
    const tenant = await app.rt.tenants.get(req.params.id);
    if (!tenant) throw apiError('not_found', `tenant ${req.params.id} not found`);
    const { from, to } = usageRange(req.query);
    return usageReport(app.rt.usage, tenant, from, to);
  });

  app.get('/admin/tenants/:id/tasks', {
    schema: { tags, security, summary: "A tenant's tasks, newest first (also a deleted tenant's, until retention)", params: tenantParamsSchema, querystring: listQuerySchema, response: { 200: taskListSchema, ...errors } },
  }, async (req, reply) => {
    const { docs, nextCursor } = await app.rt.tasks.list(req.params.id, req.query);
    return sendJsonText(reply, `{"data":[${docs.join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`);
  });

  app.get('/admin/tasks/:id', {
    schema: { tags, security, summary: 'Any task with its tenant', params: taskParamsSchema, response: { 200: z.object({ tenantId: z.string(), task: taskSchema }), ...errors } },
  }, async (req) => readAnyTask(app.rt, req.params.id));
};

export default operations;
