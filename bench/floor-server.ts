/**
 * The floor: a bare Fastify server doing the same Redis work as the gateway's task API and nothing else, in its
 * own process. GET /floor/:id → one GET → the stored JSON string as is; POST /floor → one SET of the JSON → 202.
 * Same Fastify and ioredis as the gateway, logger off. Env: PORT, FLOOR_REDIS_URL, FLOOR_PREFIX.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.FLOOR_REDIS_URL ?? 'redis://127.0.0.1:6379/14');
const prefix = process.env.FLOOR_PREFIX ?? 'mjgbench-floor';
const app = Fastify({ logger: false });

app.get<{ Params: { id: string } }>('/floor/:id', async (req, reply) => {
  const doc = await redis.get(`${prefix}:${req.params.id}`);
  if (doc === null) return reply.code(404).send({ error: 'not found' });
  return reply.type('application/json; charset=utf-8').send(doc);
});

app.post('/floor', async (req, reply) => {
  const id = randomUUID();
  const doc = JSON.stringify({ id, ...(req.body as Record<string, unknown>) });
  await redis.set(`${prefix}:${id}`, doc);
  return reply.code(202).type('application/json; charset=utf-8').send(doc);
});

app.get('/healthz', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);

const stop = async () => {
  await app.close();
  await redis.quit();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
