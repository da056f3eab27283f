/** `/readyz` while its Redis is away: 503 in the error envelope, as the OpenAPI document says, and ready again after. */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { api, testConfig } from '../helpers/gateway.js';
import { localRedis, until } from '../helpers/local-redis.js';
import { answerProblems } from '../helpers/openapi-validator.js';

describe('readiness across a Redis outage', () => {
  it('answers 503 with the envelope and Retry-After while Redis is away, then ready again', async () => {
    const server = await localRedis();
    let rt: Runtime | undefined;
    let app: FastifyInstance | undefined;
    try {
      await server.start();
      rt = await createRuntime(testConfig({ config: { redisUrl: server.url } }), pino({ level: 'silent' }));
      app = await buildApp(rt, { logger: false });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const ready = async () => (await api(url, 'GET', '/readyz')).status;
      expect(await ready()).toBe(200);

      await server.kill();
      await until('readiness drops', async () => (await ready()) === 503);
      const res = await api(url, 'GET', '/readyz');
      expect(res.body.error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^Redis does not answer/) as string });
      expect(res.headers['retry-after']).toBe('5');
      expect(answerProblems('GET', '/readyz', res)).toEqual([]);

      await server.start();
      await until('ready again', async () => (await ready()) === 200);
    } finally {
      await app?.close();
      await rt?.close().catch(() => undefined);
      server.close();
    }
  }, 30_000);
});
