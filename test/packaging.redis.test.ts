/**
 * What can be checked of the packaging without a Docker engine: the compose file parses and names what it must, the
 * Dockerfile's shape, and the image's start command (`node --max-semi-space-size=64 dist/src/main.js`) working on a
 * fresh build.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { freePort, sleep, testConfig, dropPrefix } from './helpers/gateway.js';

const root = new URL('..', import.meta.url).pathname;

/** The runtime stage's CMD (exec form), as an argument list. */
function imageCommand(): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  return cmd ? (JSON.parse(cmd[1]!) as string[]) : [];
}

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

  it('the built entry point serves /healthz and /docs, and stops on SIGTERM', async () => {
    // Built under node_modules/.cache so ESM resolution walks up to the repo's node_modules, as in the image.
    mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
    const out = mkdtempSync(join(root, 'node_modules/.cache/mjg-build-'));
    // `npm run build`, into that folder: the compiler, then the files the code reads at run time (the Lua scripts).
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { cwd: root });
    execFileSync(process.execPath, [join(root, 'scripts/build-assets.mjs'), out], { cwd: root });
    const port = await freePort();
    const config = testConfig({ config: { port, host: '127.0.0.1' } });
    const cfgPath = join(out, 'gateway.json');
    writeFileSync(cfgPath, JSON.stringify(config));
    // The image's own command line (its Node flags included), on the fresh build.
    const [, ...args] = imageCommand();
    const child = spawn(process.execPath, args.map((a) => (a === 'dist/src/main.js' ? join(out, 'src/main.js') : a)), { env: { ...process.env, ROLE: 'api', GATEWAY_CONFIG: cfgPath }, stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
    try {
      let health: Response | undefined;
      for (let i = 0; i < 100 && !health?.ok; i++) {
        await sleep(100);
        health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      }
      expect(await health?.json()).toEqual({ status: 'ok' });
      expect((await fetch(`http://127.0.0.1:${port}/docs/`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await dropPrefix(config.keyPrefix);
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
