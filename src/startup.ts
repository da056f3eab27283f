/**
 * Start-up messages an operator reads: a failure as one line naming what to fix (Redis unreachable at an address, a
 * port already taken), and warnings for a gateway that starts but cannot serve (no provider, no tenant).
 */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Runtime } from './runtime.js';

type SysError = Error & { code?: string; address?: string; port?: number; errors?: SysError[] };

/** One line for a start-up failure (a system error names its address), or null when only the stack says more. */
export function startupFailure(err: unknown, config?: Pick<Config, 'redisUrl' | 'host' | 'port'>): string | null {
  const e = err as SysError;
  const inner = e.errors?.[0] ?? e;
  const where = inner.address ? `${inner.address}${inner.port ? `:${inner.port}` : ''}` : undefined;
  if (inner.code === 'EADDRINUSE') return `cannot listen on ${where ?? `${config?.host}:${config?.port}`}: the port is already in use (set PORT or port:)`;
  if (inner.code === 'EACCES' && inner.port) return `cannot listen on ${where}: permission denied (use a port above 1023)`;
  if (inner.code === 'ECONNREFUSED' || inner.code === 'ENOTFOUND' || inner.code === 'ETIMEDOUT' || inner.code === 'EAI_AGAIN') {
    return `cannot reach Redis at ${where ?? redact(config?.redisUrl)} (${inner.code}): start it, or set REDIS_URL / redisUrl`;
  }
  // ioredis rejects the first connect with this when Redis never answered (the address is in the log line before).
  if (/^Connection is closed/.test(e.message ?? '')) return `cannot reach Redis at ${redact(config?.redisUrl)}: start it, or set REDIS_URL / redisUrl`;
  if (/NOAUTH|WRONGPASS|invalid password/i.test(e.message ?? '')) return `Redis at ${redact(config?.redisUrl)} refused the password: check redisUrl`;
  return null;
}

/** A Redis URL without its passwords. */
const redact = (url?: string) => (url ?? 'redis').replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@').replace(/sentinelPassword=[^&]*/, 'sentinelPassword=***');

/** Warns about a configuration that starts but cannot run a task. */
export async function warnIfIdle(rt: Pick<Runtime, 'providers' | 'tenants'>, log: Logger): Promise<void> {
  if (rt.providers.entries.size === 0) {
    log.warn('no provider is configured: every task will fail with no_provider_available (add providers: or set LEGNEXT_API_KEY / APIMART_API_KEY / VTRIX_API_KEY)');
  }
  if ((await rt.tenants.ids()).length === 0) {
    log.warn('no tenant exists: every request will be refused with 401 (add tenants: to the config, or create one with POST /admin/tenants)');
  }
}
