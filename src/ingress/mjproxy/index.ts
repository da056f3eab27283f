/**
 * The midjourney-proxy ingress: `/mj/...` and the speed prefixes `/mj-relax/mj`, `/mj-fast/mj`, `/mj-turbo/mj`.
 * Auth by `mj-api-secret` or `Authorization: Bearer` (new-api), the same tenant keys and limits as `/v1`.
 */
import type { FastifyPluginAsync, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorSchema } from '../../schemas/common.js';
import { mjErrorHandler } from './answers.js';
import { routes } from './routes.js';

type Speed = 'relax' | 'fast' | 'turbo';

/** `mj-api-secret` is the key when no Authorization header came (new-api's rule): handed to the common auth as x-api-key. */
function secretAsKey(req: FastifyRequest, _reply: unknown, done: HookHandlerDoneFunction): void {
  const secret = req.headers['mj-api-secret'];
  if (!req.headers.authorization && typeof secret === 'string' && secret) req.headers['x-api-key'] = secret;
  done();
}

const scope = (speed?: Speed): FastifyPluginAsyncZod => async (app) => {
  app.setErrorHandler(mjErrorHandler(app));
  app.addHook('onRequest', secretAsKey);
  app.addHook('onRequest', app.authenticate);
  await routes(app, { speed, hide: speed !== undefined, errors: { 401: errorSchema, 429: errorSchema } });
};

const mjProxy: FastifyPluginAsync = async (app) => {
  await app.register(scope(), { prefix: '/mj' });
  for (const speed of ['relax', 'fast', 'turbo'] as const) await app.register(scope(speed), { prefix: `/mj-${speed}/mj` });
};

export default mjProxy;
