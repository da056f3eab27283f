/**
 * `app.taskWatch`: the process's one subscription to task changes (services/task-watch.ts). Started when the app is
 * ready; closed before the server stops, so held answers are sent and event streams end cleanly on shutdown.
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
    app.addHook('onReady', async () => {
      if (app.rt.online) await watch.start(app.rt.config.redisUrl);
    });
    app.addHook('preClose', async () => watch.close());
  },
  { name: 'task-watch', dependencies: ['runtime'] },
);
