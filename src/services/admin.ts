/** The admin API's rules, free of HTTP: tenant settings checked against the config, views without secrets. */
import { callbackUrlProblem } from '../domain/ssrf.js';
import { apiError } from '../errors.js';
import type { Runtime } from '../runtime.js';

/** What the admin rules use. */
type Deps = Pick<Runtime, 'config' | 'tenants' | 'providers'>;
import type { CreateTenantBody, TenantView, UpdateTenantBody } from '../schemas/admin.js';
import type { IssuedKey, Tenant } from '../store/tenant-store.js';

async function view(rt: Deps, t: Tenant): Promise<TenantView> {
  const keys = await rt.tenants.listKeys(t.id);
  return {
    id: t.id, name: t.name ?? null, source: t.source ?? 'config', rateLimitPerMinute: t.rateLimitPerMinute, maxConcurrentTasks: t.maxConcurrentTasks,
    providers: t.providers ?? null, monthlyBudgetUsd: t.monthlyBudgetUsd ?? null, webhookUrl: t.webhookUrl ?? null,
    webhookSecretSet: rt.tenants.hasWebhookSecret(t), keys: keys.map((k) => ({ id: k.id, prefix: k.prefix, createdAt: k.createdAt })),
    createdAt: t.createdAt, updatedAt: t.updatedAt ?? null, disabledAt: t.disabledAt ?? null, disabledReason: t.disabledReason ?? null,
  };
}

async function check(rt: Deps, body: UpdateTenantBody): Promise<void> {
  const unknown = body.providers?.filter((p) => !rt.providers.get(p)) ?? [];
  if (unknown.length) throw apiError('invalid_request', `body.providers: no provider with id ${unknown.map((p) => `"${p}"`).join(', ')} (see GET /v1/providers)`);
  if (body.webhookUrl) {
    const problem = await callbackUrlProblem(body.webhookUrl, rt.config.allowPrivateCallbacks);
    if (problem) throw apiError('invalid_request', `body.webhookUrl: ${problem.replace(/^callbackUrl/, 'webhookUrl')}`);
  }
}

async function mustGet(rt: Deps, id: string): Promise<Tenant> {
  const t = await rt.tenants.get(id);
  if (!t) throw apiError('not_found', `tenant ${id} not found`);
  return t;
}

export async function createTenant(rt: Deps, body: CreateTenantBody): Promise<TenantView> {
  await check(rt, body);
  const { id, ...settings } = body;
  const created = await rt.tenants.create(id, settings);
  if (!created) throw apiError('already_exists', `tenant ${id} already exists: change it with PATCH /admin/tenants/${id}`);
  return view(rt, created);
}

export async function updateTenant(rt: Deps, id: string, body: UpdateTenantBody): Promise<TenantView> {
  await check(rt, body);
  const updated = await rt.tenants.update(id, body);
  if (!updated) throw apiError('not_found', `tenant ${id} not found`);
  return view(rt, updated);
}

export async function readTenant(rt: Deps, id: string): Promise<TenantView> {
  return view(rt, await mustGet(rt, id));
}

export async function listTenants(rt: Deps): Promise<TenantView[]> {
  return Promise.all((await rt.tenants.list()).map((t) => view(rt, t)));
}

/** Deletes a tenant and its keys (refused at once everywhere); its tasks stay readable by admin until retention. */
export async function deleteTenant(rt: Deps, id: string): Promise<void> {
  if (!(await rt.tenants.remove(id))) throw apiError('not_found', `tenant ${id} not found`);
}

export async function issueKey(rt: Deps, tenantId: string): Promise<IssuedKey> {
  await mustGet(rt, tenantId);
  return rt.tenants.issueKey(tenantId);
}

export async function revokeKey(rt: Deps, tenantId: string, keyId: string): Promise<void> {
  if (!(await rt.tenants.revokeKey(tenantId, keyId))) throw apiError('not_found', `key ${keyId} of tenant ${tenantId} not found`);
}

export async function rotateKey(rt: Deps, tenantId: string, keyId: string): Promise<IssuedKey & { replaces: string }> {
  const issued = await rt.tenants.rotateKey(tenantId, keyId);
  if (!issued) throw apiError('not_found', `key ${keyId} of tenant ${tenantId} not found`);
  return { ...issued, replaces: keyId };
}
