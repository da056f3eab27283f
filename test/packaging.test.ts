/**
 * What can be checked of the packaging without a Docker engine: the compose file parses and names what it must, and
 * the Dockerfile's shape. The image's start command on a fresh build is in packaging.redis.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { imageCommand, root } from './helpers/packaging.js';

describe('packaging', () => {
  it('compose: Redis with AOF and noeviction, api and worker roles, simulators behind the demo profile', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
    const { redis, api, worker, simulators } = compose.services;
    expect(redis.command.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.command.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(api.environment.ROLE).toBe('api');
    expect(worker.environment.ROLE).toBe('worker');
    expect(worker.ports).toBeUndefined();
    expect(api.environment.REDIS_URL).toBe('redis://redis:6379');
    expect(simulators.profiles).toEqual(['demo']);
    expect(api.volumes.join()).toMatch(/config/);
  });

  it('Dockerfile: multi-stage on an LTS Node, production deps only, non-root, healthcheck, built entry point', () => {
    const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/ARG NODE_VERSION=(22|24)\b/);
    expect(text).toMatch(/npm prune --omit=dev/);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^HEALTHCHECK /m);
    expect(imageCommand()).toEqual(['node', '--max-semi-space-size=64', 'dist/src/main.js']);
  });
});
