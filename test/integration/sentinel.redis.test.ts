/**
 * Redis behind Sentinel: a primary, a replica and a sentinel started here (once plain, once speaking TLS only,
 * replication and the sentinel's links included); tasks submitted while a `SENTINEL FAILOVER` moves the primary.
 * Every task ends `succeeded`; while Redis switches the API answers 503 with the envelope (never a 500, never a
 * hang), and a client retrying with the same Idempotency-Key gets one task.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import type { Task } from '../../src/schemas/task.js';
import { api, sleep, startGateway, TENANT_A_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { startSentinelSet, type SentinelSet } from '../helpers/redis-sentinel.js';

describe.each([
  { label: 'plain', tls: false, tasks: 150, failoverAt: 50 },
  { label: 'over TLS', tls: true, tasks: 40, failoverAt: 10 },
])('Redis Sentinel failover ($label)', ({ tls, tasks, failoverAt }) => {
  let set: SentinelSet;
  let sim: Simulator;
  let gw: TestGateway;
  beforeAll(async () => {
    set = await startSentinelSet({ tls });
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 300;
    gw = await startGateway({
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api`, maxConcurrency: 50 }],
      config: {
        redisSentinel: { name: set.name, sentinels: [set.sentinel], tls },
        ...(set.tls ? { redisTls: { ca: set.tls.ca } } : {}),
      },
      logger: pino({ level: process.env.SENTINEL_TEST_LOG ?? 'silent' }),
    });
  }, 60_000);
  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    await sim?.close();
    await set?.close();
  });

  it(`finishes ${tasks} tasks submitted across a failover, answering 503 with the envelope while switching`, async () => {
    const statuses = new Map<number, number>();
    /** A client: retries a refused submit with the same Idempotency-Key until it is accepted. */
    const submit = async (i: number): Promise<string> => {
      for (const end = Date.now() + 90_000; Date.now() < end; ) {
        const res = await api<Task & { error?: { code: string } }>(gw.url, 'POST', '/v1/tasks', {
          key: TENANT_A_KEY, body: { action: 'imagine', prompt: `failover ${i}` }, headers: { 'idempotency-key': `fo-${i}` },
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 202 || res.status === 200) return res.body.id;
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(res.body.error?.code).toBe('unavailable');
        await sleep(100);
      }
      throw new Error(`task ${i} never accepted`);
    };
    const before = await set.primaryPort();
    const ids: Array<Promise<string>> = [];
    for (let i = 0; i < tasks; i++) {
      ids.push(submit(i));
      if (i === failoverAt) void set.failover();
      await sleep(20);
    }
    const accepted = await Promise.all(ids);
    expect(new Set(accepted).size).toBe(tasks);
    await sleep(500);
    expect(await set.primaryPort()).not.toBe(before);
    const done = await Promise.all(accepted.map((id) => waitForTask(gw.url, TENANT_A_KEY, id, 120_000)));
    expect(done.filter((t) => t.status !== 'succeeded').map((t) => [t.id, t.status, t.error?.message])).toEqual([]);
    expect(statuses.get(500) ?? 0).toBe(0);
  }, 280_000);
});
