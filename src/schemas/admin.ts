/** The admin API's schemas: tenant bodies (strict: unknown fields are refused) and answers. Never a secret out. */
import { z } from 'zod';
import { timestamp } from './common.js';

const tenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'id must be lowercase letters, digits and dashes (at most 63)');
const providerId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a provider id');
const webhookUrl = z.url({ protocol: /^https?$/, error: 'webhookUrl must be an http(s) URL' }).max(2048);

const settings = {
  name: z.string().min(1).max(200),
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).describe('Authenticated /v1 requests per minute; past it 429'),
  maxConcurrentTasks: z.number().int().min(1).max(100_000).describe('Tasks upstream at once; the rest wait in queued'),
  providers: z.array(providerId).min(1).max(100).describe('Allow-list of provider ids'),
  monthlyBudgetUsd: z.number().positive().max(10_000_000).describe('Estimated price reserved at submit; 402 past it (UTC month)'),
  webhookSecret: z.string().min(16, 'webhookSecret must be at least 16 characters').max(512).describe('Signs X-MJG-Signature; stored sealed, never shown'),
  webhookUrl: webhookUrl.describe('Default webhook target for tasks without a callbackUrl'),
};

export const createTenantBodySchema = z
  .strictObject({
    id: tenantId,
    name: settings.name.optional(),
    rateLimitPerMinute: settings.rateLimitPerMinute.optional(),
    maxConcurrentTasks: settings.maxConcurrentTasks.optional(),
    providers: settings.providers.optional(),
    monthlyBudgetUsd: settings.monthlyBudgetUsd.optional(),
    webhookSecret: settings.webhookSecret.optional(),
    webhookUrl: settings.webhookUrl.optional(),
  })
  .meta({ id: 'CreateTenant' });

/** Every field optional; `null` removes an optional setting. */
export const updateTenantBodySchema = z
  .strictObject({
    name: settings.name.nullable().optional(),
    rateLimitPerMinute: settings.rateLimitPerMinute.optional(),
    maxConcurrentTasks: settings.maxConcurrentTasks.optional(),
    providers: settings.providers.nullable().optional(),
    monthlyBudgetUsd: settings.monthlyBudgetUsd.nullable().optional(),
    webhookSecret: settings.webhookSecret.nullable().optional(),
    webhookUrl: settings.webhookUrl.nullable().optional(),
    disabled: z.boolean().optional().describe("true: the tenant's keys answer 403 tenant_disabled at once in every process; false enables it"),
  })
  .meta({ id: 'UpdateTenant' });

export type CreateTenantBody = z.infer<typeof createTenantBodySchema>;
export type UpdateTenantBody = z.infer<typeof updateTenantBodySchema>;

export const apiKeyInfoSchema = z
  .object({ id: z.string(), prefix: z.string().describe('The first characters of the key, to tell keys apart'), createdAt: timestamp })
  .meta({ id: 'ApiKeyInfo' });

export const tenantViewSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    source: z.enum(['config', 'admin']).describe('config tenants are re-applied from the file at start-up'),
    rateLimitPerMinute: z.number(),
    maxConcurrentTasks: z.number(),
    providers: z.array(z.string()).nullable(),
    monthlyBudgetUsd: z.number().nullable(),
    webhookUrl: z.string().nullable(),
    webhookSecretSet: z.boolean(),
    keys: z.array(apiKeyInfoSchema),
    createdAt: timestamp,
    updatedAt: timestamp.nullable(),
    disabledAt: timestamp.nullable().describe('Set while the tenant is disabled'),
    disabledReason: z.enum(['admin', 'removed_from_config']).nullable(),
  })
  .meta({ id: 'Tenant' });

export type TenantView = z.infer<typeof tenantViewSchema>;

export const tenantListSchema = z.object({ data: z.array(tenantViewSchema) });

export const issuedKeySchema = z
  .object({
    id: z.string(),
    key: z.string().describe('The plaintext key: shown this once, stored only as its SHA-256 digest'),
    prefix: z.string(),
    createdAt: timestamp,
    replaces: z.string().optional().describe('On rotate: the key id that was revoked'),
  })
  .meta({ id: 'IssuedKey' });

export const tenantParamsSchema = z.object({ id: z.string().max(64) });
export const keyParamsSchema = z.object({ id: z.string().max(64), keyId: z.string().max(64) });
