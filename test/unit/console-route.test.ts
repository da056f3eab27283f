/** `/console` when the console was not built: a 404 envelope that says how to build it, never a 500. */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerErrorHandlers } from '../../src/app.js';
import consoleRoutes from '../../src/routes/console/index.js';

describe('the console route without a build', () => {
  it('redirects /console to /console/ and answers 404 saying to run the build', async () => {
    const app = Fastify();
    registerErrorHandlers(app);
    await app.register(consoleRoutes, { dir: null });
    const redirect = await app.inject('/console');
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/console/');
    const res = await app.inject('/console/');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: expect.stringMatching(/not built: run npm run build/) } });
    await app.close();
  });
});
