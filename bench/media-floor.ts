/**
 * S7's floor: a bare Fastify with @fastify/static serving files from `FLOOR_DIR` (the gateway's local media
 * directory), with no signature check, no headers of our own. Prints `{"port":n}` when ready. Env: FLOOR_DIR, PORT.
 */
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
await app.register(fastifyStatic, { root: process.env.FLOOR_DIR!, serve: true, etag: true, cacheControl: true, maxAge: 3_600_000 });
await app.listen({ port: Number(process.env.PORT) || 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as { port: number }).port })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
