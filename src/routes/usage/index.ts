/** `GET /v1/usage`: the tenant's task counts and cost by action and provider, from the counters that enforce budgets. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiError } from '../../errors.js';
import { tenantErrors } from '../../schemas/common.js';
import { usageQuerySchema, usageSchema } from '../../schemas/usage.js';
import { usageReport } from '../../services/budget.js';
import { utcDay } from '../../domain/time.js';

const MAX_DAYS = 366;

const usage: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.get('/v1/usage', {
    schema: { tags: ['usage'], summary: 'Task counts and cost by action and provider (UTC days)', security: [{ bearer: [] }], querystring: usageQuerySchema, response: { 200: usageSchema, ...tenantErrors } },
  }, async (req) => {
    const today = utcDay(Date.now());
    const from = req.query.from ?? `${today.slice(0, 8)}01`;
    const to = req.query.to ?? today;
    if (from > to) throw apiError('invalid_request', `querystring.from (${from}) is after querystring.to (${to})`);
    if (Date.parse(to) - Date.parse(from) > (MAX_DAYS - 1) * 86_400_000) throw apiError('invalid_request', `the range is longer than ${MAX_DAYS} days: narrow from/to`);
    return usageReport(app.rt.usage, req.tenant, from, to);
  });
};

export default usage;
