/** Decorates the app with the process Runtime (stores, queues, providers), created by the caller. */
import fp from 'fastify-plugin';
import type { Runtime } from '../runtime.js';

declare module 'fastify' {
  interface FastifyInstance { rt: Runtime }
}

export default fp<{ runtime: Runtime }>(
  async (app, opts) => {
    app.decorate('rt', opts.runtime);
  },
  { name: 'runtime' },
);
