/** Start-up reconciliation of config-file tenants with what Redis holds. */
import type { Logger } from 'pino';
import type { TenantConfig } from '../config.js';
import type { TenantStore } from '../store/tenant-store.js';

/**
 * Upserts the file's tenants and disables config tenants the file no longer lists (their keys then answer 403
 * `tenant_disabled`; listing them again enables them). Tenants deleted through the admin API are not re-created.
 */
export async function applyConfigTenants(store: TenantStore, tenants: readonly TenantConfig[], log: Pick<Logger, 'warn'>): Promise<void> {
  for (const t of tenants) {
    if ((await store.upsertFromConfig(t)) === 'deleted') log.warn({ tenant: t.id }, 'tenant listed in the config file was deleted through the admin API: not re-created (create it again with POST /admin/tenants)');
  }
  const disabled = await store.disableRemovedFromConfig(new Set(tenants.map((t) => t.id)));
  if (disabled.length) log.warn({ tenants: disabled }, 'tenants no longer in the config file are disabled');
}
