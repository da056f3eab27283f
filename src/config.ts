/**
 * Configuration: `loadConfig(env, text?)` interpolates `${NAME}`, applies env overrides, validates everything against
 * the one schema (config-schema.ts) and reports every bad key at once. Imports nothing from the app.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isProviderType, PROVIDERS } from '../providers/index.js';
import { mediaProblems } from './media-config.js';
import { configSchema, type Config, type RedisTlsConfig } from './config-schema.js';

export { configSchema, providerSchema, tenantSchema, type Config, type ProviderConfig, type TenantConfig } from './config-schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * `${NAME}` is swapped for a YAML-safe placeholder before parsing (so `apiKeys: [${KEY}]` stays valid YAML, and a
 * value can never change the document's structure), then replaced in every string of the parsed tree.
 */
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const PLACEHOLDER = /MJGENVx([A-Za-z_][A-Za-z0-9_]*?)xMJGENV/g;

function interpolate(node: unknown, env: Env, path: string, missing: string[]): unknown {
  if (typeof node === 'string') {
    return node.replace(PLACEHOLDER, (_, name: string) => {
      const value = env[name];
      if (value === undefined) missing.push(`${path || '(root)'}: environment variable ${name} is not set`);
      return value ?? '';
    });
  }
  if (Array.isArray(node)) return node.map((v, i) => interpolate(v, env, `${path}.${i}`, missing));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k, missing)]));
  }
  return node;
}

/**
 * Providers enabled from env alone (no file), by each registered type's `env` names: `LEGNEXT_API_KEY`,
 * `APIMART_API_KEY`, `VTRIX_API_KEY` today, each with its optional `*_BASE_URL`.
 */
function providersFromEnv(env: Env): unknown[] {
  return Object.entries(PROVIDERS).flatMap(([type, { env: names }]) => {
    const apiKey = env[names.apiKey];
    const baseUrl = env[names.baseUrl];
    return apiKey ? [{ id: names.id, type, apiKey, ...(baseUrl ? { baseUrl } : {}) }] : [];
  });
}

const ENV_OVERRIDES: Array<[string, string, (v: string) => unknown]> = [
  ['PORT', 'port', Number],
  ['HOST', 'host', String],
  ['REDIS_URL', 'redisUrl', String],
  ['PUBLIC_URL', 'publicUrl', String],
  ['ADMIN_TOKEN', 'adminToken', String],
  ['LOG_LEVEL', 'logLevel', String],
];

/** Parses and validates a config from YAML/JSON text (or none) and the environment. Throws ConfigError. */
export function parseConfig(text: string | undefined, env: Env = process.env): Config {
  const problems: string[] = [];
  let raw: unknown = {};
  if (text !== undefined && text.trim() !== '') {
    try {
      raw = parseYaml(text.replace(ENV_REF, 'MJGENVx$1xMJGENV')) ?? {};
    } catch (err) {
      throw new ConfigError([`the file is not valid YAML: ${(err as Error).message}`]);
    }
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['the file must hold a mapping of keys']);
  const tree = interpolate(raw, env, '', problems) as Record<string, unknown>;
  for (const [name, key, cast] of ENV_OVERRIDES) if (env[name] !== undefined && env[name] !== '') tree[key] = cast(env[name]);
  if (text === undefined && tree.providers === undefined) tree.providers = providersFromEnv(env);

  const result = configSchema.safeParse(tree);
  if (!result.success) {
    // A key whose variable is missing is reported once, as missing, not again for the empty value it got.
    const unset = new Set(problems.map((p) => p.slice(0, p.indexOf(': '))));
    for (const issue of result.error.issues) {
      const at = issue.path.map(String).join('.') || '(root)';
      if (!unset.has(at)) problems.push(`${at}: ${issue.message}`);
    }
  } else {
    problems.push(...crossChecks(result.data));
  }
  const redisTls = result.data?.redisTls && readPems(result.data.redisTls, 'redisTls', problems);
  const sentinelTls = result.data?.redisSentinel?.sentinelTls && readPems(result.data.redisSentinel.sentinelTls, 'redisSentinel.sentinelTls', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const providers = result.data!.providers.map((p) => ({ ...p, baseUrl: p.baseUrl ?? PROVIDERS[p.type].defaultBaseUrl }));
  const sentinel = result.data!.redisSentinel;
  // Every connection is opened from `redisUrl`: with Sentinel, it names the sentinels (store/connections.ts reads it).
  return Object.freeze({
    ...result.data!, providers, ...(redisTls ? { redisTls } : {}),
    ...(sentinel ? { redisUrl: sentinelUrl(sentinel), redisSentinel: { ...sentinel, ...(sentinelTls ? { sentinelTls } : {}) } } : {}),
  });
}

/** TLS settings with `ca`, `cert` and `key` as PEM text: a value that is not PEM is a file path, read here. */
function readPems(tls: RedisTlsConfig, at: string, problems: string[]): RedisTlsConfig {
  const out = { ...tls };
  for (const field of ['ca', 'cert', 'key'] as const) {
    const value = tls[field];
    if (value === undefined || value.includes('-----BEGIN')) continue;
    try {
      out[field] = readFileSync(value, 'utf8');
    } catch (err) {
      problems.push(`${at}.${field}: cannot read ${value} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give a PEM file's path or its text`);
    }
  }
  if ((out.cert === undefined) !== (out.key === undefined)) problems.push(`${at}: cert and key go together (a client certificate needs its key)`);
  return out;
}

/**
 * `redisSentinel` as the one Redis address every connection is opened from:
 * `redis-sentinel://[:<password>@]<host:port>,…/<name>[/<db>][?sentinelPassword=…&tls=1]`.
 */
function sentinelUrl(o: NonNullable<z.infer<typeof configSchema>['redisSentinel']>): string {
  const q = new URLSearchParams();
  if (o.sentinelPassword) q.set('sentinelPassword', o.sentinelPassword);
  if (o.tls) q.set('tls', '1');
  const auth = o.password ? `:${encodeURIComponent(o.password)}@` : '';
  const query = q.size ? `?${q.toString()}` : '';
  return `redis-sentinel://${auth}${o.sentinels.join(',')}/${encodeURIComponent(o.name)}${o.db === undefined ? '' : `/${o.db}`}${query}`;
}

function crossChecks(c: z.infer<typeof configSchema>): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  c.providers.forEach((p, i) => {
    if (ids.has(p.id)) problems.push(`providers.${i}.id: duplicate provider id "${p.id}"`);
    ids.add(p.id);
  });
  for (const key of Object.keys(c.prices)) {
    if (!ids.has(key) && !isProviderType(key)) problems.push(`prices.${key}: not a provider id or type`);
  }
  const tenantIds = new Set<string>();
  c.tenants.forEach((t, i) => {
    if (tenantIds.has(t.id)) problems.push(`tenants.${i}.id: duplicate tenant id "${t.id}"`);
    tenantIds.add(t.id);
    t.providers?.forEach((pid, j) => {
      if (!ids.has(pid)) problems.push(`tenants.${i}.providers.${j}: no provider with id "${pid}"`);
    });
  });
  if (c.redisTls && !c.redisUrl.startsWith('rediss://') && !c.redisSentinel?.tls) {
    problems.push('redisTls: TLS is not on: use a rediss:// redisUrl (or redisSentinel.tls: true)');
  }
  if (c.redisSentinel?.sentinelTls && !c.redisSentinel.tls) problems.push('redisSentinel.sentinelTls: set redisSentinel.tls: true to use it');
  problems.push(...mediaProblems(c.media, c.adminToken));
  return problems;
}

/** Reads `GATEWAY_CONFIG` (if set) and validates. */
export function loadConfig(env: Env = process.env): Config {
  const path = env.GATEWAY_CONFIG;
  let text: string | undefined;
  if (path) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError([`GATEWAY_CONFIG: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
  }
  return parseConfig(text, env);
}
