/**
 * `/console`: the web console's built files (dist/console, made by `npm run build`), served as they are. Hashed assets
 * cache for a year, index.html never (headers in plugins/security-headers.ts, with the console's CSP).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { apiError } from '../../errors.js';

/**
 * Where the build put the console: dist/console, seen from the sources (src/routes/console) or from the compiled
 * code (dist/src/routes/console). A built one has `assets/` (the sources' console/ has not).
 */
export function consoleDir(): string | null {
  const candidates = ['../../../dist/console/', '../../../console/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(`${dir}index.html`) && existsSync(`${dir}assets`)) ?? null;
}

const consoleRoutes: FastifyPluginAsync<{ dir?: string | null }> = async (app, opts) => {
  const dir = opts.dir === undefined ? consoleDir() : opts.dir;
  app.get('/console', { schema: { hide: true } }, (_req, reply) => reply.redirect('/console/', 301));
  if (!dir) {
    app.get('/console/*', { schema: { hide: true } }, async () => {
      throw apiError('not_found', 'the console is not built: run npm run build (or npm run console:build)');
    });
    return;
  }
  await app.register(fastifyStatic, { root: dir, prefix: '/console/', decorateReply: false, cacheControl: false, index: ['index.html'], redirect: false, schemaHide: true });
};

export default consoleRoutes;
