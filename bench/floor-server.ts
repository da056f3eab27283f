/**
 * The floor: a bare Fastify server doing the same Redis work as the gateway's task API and nothing else, in its
 * own process. GET /floor/:id → one GET → the stored JSON string as is; POST /floor → one SET of the JSON → 202.
 * Same Fastify and ioredis as the gateway, logger off. Env: PORT, FLOOR_REDIS_URL, FLOOR_PREFIX.
 *
 * POST /floor/create is the create reference: the same bare route, but its write is the gateway's own create script
 * (src/store/lua/create-task-9.lua, through its builder in src/store/scripts.ts) with the arguments a gateway submit gives it (nine keys, the record of a new task with its
 * private and public JSON, usage counters and reservation; no idempotency key, no budget limit), answering the task
 * document. It has the gateway's Redis work per submit and none of the gateway's other work (authentication, rate
 * limit, validation, routing, headers, metrics), so it separates what the atomic create costs from what the rest costs.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { newTaskId } from '../src/domain/ids.js';
import { requestFromInput, type TaskRecord } from '../src/domain/task.js';
import type { SubmitBody, Task } from '../src/schemas/task.js';
import { createKeys } from '../src/store/keys.js';
import { runScript } from '../src/store/lua.js';
import { createTask } from '../src/store/scripts.js';
import { encodeRecord } from '../src/store/task-record.js';
import { reservationMember, USAGE_TTL_SEC } from '../src/store/usage-store.js';

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

/** The gateway's own key layout, under the floor's prefix. */
const keys = createKeys(prefix);
const HOUR_S = 3600;
const DEADLINE_MS = 15 * 60_000;

app.post('/floor/create', async (req, reply) => {
  const id = newTaskId();
  const body = req.body as SubmitBody;
  const now = Date.now();
  const at = new Date(now).toISOString();
  const day = at.slice(0, 10);
  const task: Task = {
    id, action: body.action, status: 'queued', progress: 0, provider: null, upstreamId: null, parentId: null, input: body, output: null, error: null,
    cost: null, attempts: [], metadata: {}, createdAt: at, updatedAt: at, submittedAt: null, finishedAt: null,
  };
  const rec: TaskRecord = {
    task, version: 1,
    priv: {
      tenantId: 'bench', request: requestFromInput(body), deadlineAt: now + DEADLINE_MS, upstreamState: {}, phase: 'waiting', excluded: [],
      sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1, tenantCap: 1_000_000,
    },
  };
  const doc = JSON.stringify(task);
  const micros = 80_000;
  await runScript(redis, keys, createTask, {
    taskId: id, tenantId: 'bench', record: encodeRecord(rec, { doc, reservedMicros: micros }), deadlineAt: now + DEADLINE_MS, now, recordTtlSec: 30 * 24 * HOUR_S,
    reservation: {
      micros, limitMicros: null, dueAt: now + DEADLINE_MS + 60_000, day, usageTtlSec: USAGE_TTL_SEC, countField: `sub|${body.action}`,
      member: reservationMember({ taskId: id, day, micros, tenantId: 'bench', action: body.action }),
    },
  });
  return reply.code(202).type('application/json; charset=utf-8').send(doc);
});

app.get('/healthz', () => ({ status: 'ok' }));

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
