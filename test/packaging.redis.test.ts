/**
 * The image's start command (`node --max-semi-space-size=64 dist/src/main.js`) working on a fresh build, against the
 * test Redis.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, sleep, testConfig, dropPrefix } from './helpers/gateway.js';
import { imageCommand, root } from './helpers/packaging.js';

describe('packaging', () => {
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
