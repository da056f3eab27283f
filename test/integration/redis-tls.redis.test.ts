/**
 * Redis over TLS: a redis-server speaking TLS only (a throwaway CA made with openssl), and a gateway — API and
 * workers: commands, pub/sub and the BullMQ queues — running tasks against it with `rediss://` and `redisTls.ca`.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { createRuntime } from '../../src/runtime.js';
import { api, startGateway, TENANT_A_KEY, testConfig, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { RedisProcesses, startTlsRedis, type TlsRedis } from '../helpers/redis-servers.js';

describe('Redis over TLS', () => {
  let redis: TlsRedis;
  let sim: Simulator;
  let gw: TestGateway;
  beforeAll(async () => {
    redis = await startTlsRedis();
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 200;
  }, 30_000);
  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    await sim?.close();
    await redis?.close();
  });

  it('runs tasks end to end with every connection on rediss://, waiters woken through pub/sub', async () => {
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }],
      config: { redisUrl: redis.url, redisTls: { ca: redis.files.ca } },
    });
    const ids = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const res = await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: `tls ${i}` } });
      expect(res.status).toBe(202);
      return res.body.id;
    }));
    // `Prefer: wait` is answered when the change arrives on the task-change subscription.
    const waited = await api<Task>(gw.url, 'GET', `/v1/tasks/${ids[0]}`, { key: TENANT_A_KEY, headers: { prefer: 'wait=20' } });
    expect(waited.body.status).toBe('succeeded');
    const done = await Promise.all(ids.map((id) => waitForTask(gw.url, TENANT_A_KEY, id, 30_000)));
    expect(done.map((t) => t.status)).toEqual(ids.map(() => 'succeeded'));
    // The tasks live in the TLS server (a plain connection to the test Redis would not hold them).
    const procs = new RedisProcesses();
    const probe = procs.client(redis.port, redis.files);
    expect(await probe.exists(gw.keys.task(ids[0]!))).toBe(1);
    await procs.close();
  }, 60_000);

  it('refuses a server certificate its CA did not sign: start-up fails instead of talking in the clear', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    await expect(createRuntime(testConfig({ config: { redisUrl: redis.url } }), log)).rejects.toThrow(/Connection is closed/);
    expect(lines.join('')).toMatch(/redis connection error.*(local issuer certificate|self[- ]signed certificate)|(local issuer certificate|self[- ]signed certificate).*redis connection error/);
  }, 30_000);
});
