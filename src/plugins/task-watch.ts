/**
 * `app.taskWatch`: the process's one subscription to task changes (services/task-watch.ts), open while anyone
 * waits; closed before the server stops, so held answers are sent and event streams end cleanly on shutdown.
 */
import fp from 'fastify-plugin';
import { TaskWatch } from '../services/task-watch.js';
import { createKeys } from '../store/keys.js';

declare module 'fastify' {
  interface FastifyInstance { taskWatch: TaskWatch }
}

export default fp(
  async (app) => {
    const watch = new TaskWatch(createKeys(app.rt.config.keyPrefix), app.rt.log);
    app.decorate('taskWatch', watch);
    // An offline runtime (the OpenAPI export) has no Redis: nothing to subscribe to.
    if (app.rt.online) watch.start(app.rt.redisAddress);
    app.addHook('preClose', async () => watch.close());
  },
  { name: 'task-watch', dependencies: ['runtime'] },
);
