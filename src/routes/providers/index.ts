/** `GET /v1/providers`: what is configured, what each can run, and its health. Never a secret. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PROVIDER_TYPES } from '../../../providers/index.js';
import { ACTIONS, SPEEDS } from '../../../providers/types.js';
import { tenantErrors, timestamp } from '../../schemas/common.js';
import { providersInUse } from '../../services/admission.js';
import { balancesOf } from '../../services/balances.js';

const balanceSchema = z
  .object({ usd: z.number(), low: z.boolean().describe('Under minBalanceUsd, or flagged low by the provider'), checkedAt: timestamp })
  .nullable()
  .describe('The account balance as last read; null where the provider has no balance endpoint or none was read yet');

const providerSchema = z
  .object({
    id: z.string(),
    type: z.enum(PROVIDER_TYPES),
    priority: z.number(),
    weight: z.number(),
    callbacks: z.boolean(),
    actions: z.partialRecord(z.enum(ACTIONS), z.object({ speeds: z.array(z.enum(SPEEDS)), options: z.array(z.string()), ranges: z.record(z.string(), z.string()).optional().describe('Narrower ranges this provider honours, per option') })),
    health: z.object({ circuit: z.enum(['closed', 'open', 'half_open']), openUntil: z.string().nullable(), inFlight: z.number(), maxConcurrency: z.number(), waiting: z.number().describe('Tasks waiting in line for a slot of this provider'), balance: balanceSchema }),
  })
  .meta({ id: 'Provider' });

const providers: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.get('/v1/providers', {
    schema: { tags: ['providers'], summary: 'Configured providers, capabilities and health', security: [{ bearer: [] }], response: { 200: z.object({ data: z.array(providerSchema) }), ...tenantErrors } },
  }, async (req) => {
    const allowed = req.tenant.providers;
    const entries = [...app.rt.providers.entries.values()].filter((e) => !allowed || allowed.includes(e.config.id));
    const ids = entries.map((e) => e.config.id);
    const [circuits, inFlight, waiting, balances] = await Promise.all([app.rt.circuits.view(ids), providersInUse(app.rt, ids), app.rt.room.waiting(ids), balancesOf(app.rt, ids)]);
    const data = entries
      .map((e, i) => {
        const actions = Object.fromEntries(
          Object.entries(e.adapter.capabilities.actions).filter(([a]) => !e.config.actions || e.config.actions.includes(a as (typeof ACTIONS)[number])),
        );
        return {
          id: e.config.id, type: e.config.type, priority: e.config.priority, weight: e.config.weight, callbacks: e.adapter.capabilities.callbacks, actions,
          health: { circuit: circuits[e.config.id]!.state, openUntil: circuits[e.config.id]!.openUntil ? new Date(circuits[e.config.id]!.openUntil!).toISOString() : null, inFlight: inFlight[i]!, maxConcurrency: e.config.maxConcurrency, waiting: waiting.filter((w) => w.provider === e.config.id).reduce((n, w) => n + w.waiting, 0), balance: balances[i]! },
        };
      });
    return { data };
  });
};

export default providers;
