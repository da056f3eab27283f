/**
 * docker-compose.yml against the Compose Specification's JSON schema (there is no Docker engine here to run it), and
 * the operator facts it must keep: it starts without a config file, Redis stays off the host, workers are checked.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as Record<string, any>;
const services = compose.services as Record<string, any>;

describe('docker-compose.yml', () => {
  it('is valid by the Compose Specification schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    // Its `$schema` names draft-07, which Ajv speaks by default without the meta-schema's URL.
    const { $schema: _draft, ...schema } = JSON.parse(read('node_modules/dclint/schemas/compose.schema.json')) as Record<string, unknown>;
    const validate = ajv.compile(schema);
    const ok = validate(compose); // merge keys resolved, as Compose does before it validates
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('starts without a config file and passes no empty secrets', () => {
    const env = services.api.environment as Record<string, string | null>;
    expect(env.GATEWAY_CONFIG).toBe('${GATEWAY_CONFIG_FILE:+/config/${GATEWAY_CONFIG_FILE}}');
    for (const name of ['ADMIN_TOKEN', 'LEGNEXT_API_KEY', 'APIMART_API_KEY', 'VTRIX_API_KEY']) expect(env[name], name).toBeNull();
  });

  it('keeps Redis off the host, the API on loopback by default, and waits for the demo simulators', () => {
    expect(services.redis.ports).toBeUndefined();
    expect(services['redis-dev'].profiles).toEqual(['dev']);
    expect(services.api.ports).toEqual(['${API_BIND:-127.0.0.1}:8080:8080']);
    expect(services.api.depends_on.simulators).toEqual({ condition: 'service_healthy', required: false });
  });

  it('gives workers a real healthcheck and a stop grace above the graceful stop', () => {
    expect(services.worker.environment.HEALTH_FILE).toBeTruthy();
    expect(read('scripts/healthcheck.mjs')).toMatch(/statSync\(process\.env\.HEALTH_FILE/);
    expect(read('Dockerfile')).toMatch(/HEALTHCHECK .*scripts\/healthcheck\.mjs/);
    for (const s of ['api', 'worker']) expect(Number.parseInt(services[s].stop_grace_period as string, 10)).toBeGreaterThan(10);
  });
});
