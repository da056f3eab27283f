/** `GET /v1/usage`: the tenant's task counts and cost by action and provider, from the counters that enforce budgets. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { tenantErrors } from '../../schemas/common.js';
import { usageQuerySchema, usageSchema } from '../../schemas/usage.js';
import { usageReport } from '../../services/budget.js';
import { usageRange } from '../../services/usage-range.js';

const usage: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.get('/v1/usage', {
    schema: { tags: ['usage'], summary: 'Task counts and cost by action and provider (UTC days)', security: [{ bearer: [] }], querystring: usageQuerySchema, response: { 200: usageSchema, ...tenantErrors } },
  }, async (req) => {
    const { from, to } = usageRange(req.query);
    return usageReport(app.rt.usage, req.tenant, from, to);
  });
};

export default usage;
