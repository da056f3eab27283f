/**
 * The intake (src/jobs/intake.ts): the API only puts a new task's id on the `intake` list; a worker process's intake
 * adds the submission jobs. Nothing is lost: a task created while no worker runs is submitted once one starts; an id
 * popped but never added is re-enqueued by the sweeper from `unqueued`; the loop survives Redis outages and failing
 * adds, and stops at once on close().
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { newTaskId } from '../../src/domain/ids.js';
import type { TaskRecord } from '../../src/domain/task.js';
import { startIntake, type Intake } from '../../src/jobs/intake.js';
import { Queues } from '../../src/jobs/queues.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Task } from '../../src/schemas/task.js';
import { api, sleep, startGateway, TENANT_A_KEY, testConfig, waitForTask, type TestGateway } from '../helpers/gateway.js';
import { localRedis, until, type LocalRedis } from '../helpers/local-redis.js';

const KEY = TENANT_A_KEY;

function record(tenantId: string): TaskRecord {
  const now = Date.now();
  const at = new Date(now).toISOString();
  return {
    version: 1,
    task: { id: newTaskId(now), action: 'imagine', status: 'queued', progress: 0, provider: null, upstreamId: null, parentId: null, input: { action: 'imagine', prompt: 'x' }, output: null, error: null, cost: null, attempts: [], metadata: {}, createdAt: at, updatedAt: at, submittedAt: null, finishedAt: null },
    priv: { tenantId, request: { action: 'imagine', prompt: 'x' }, deadlineAt: now + 60_000, upstreamState: {}, phase: 'waiting', excluded: [], sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1 },
  };
}

const jobOf = (rt: Runtime, taskId: string) => rt.queues.submissions.getJob(Queues.submissionId(taskId, 1));

describe('the intake', () => {
  let sim: Simulator;
  let gw: TestGateway | undefined;
  const providers = () => [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }];
  const submit = async (g: TestGateway, prompt: string) => {
    const res = await api<Task>(g.url, 'POST', '/v1/tasks', { key: KEY, body: { action: 'imagine', prompt } });
    expect(res.status).toBe(202);
    return res.body.id;
  };

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 50;
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('submits tasks created while no worker ran, once one starts', async () => {
    // A long sweep interval: the sweeper's grace is 10 s, so only the intake can submit these within the wait below.
    gw = await startGateway({ providers: providers(), workers: false, config: { workers: { concurrency: 5, lockDurationMs: 2000, stalledIntervalMs: 1000, sweepIntervalMs: 600_000 } } });
    const ids = [await submit(gw, 'before workers 1'), await submit(gw, 'before workers 2')];
    expect(await gw.redis.lrange(gw.keys.intake, 0, -1)).toEqual([...ids].reverse());
    for (const id of ids) expect(await jobOf(gw.rt, id)).toBeUndefined();

    await gw.startWorkers();
    const done = await Promise.all(ids.map((id) => waitForTask(gw!.url, KEY, id, 8000)));
    expect(done.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect(await gw.redis.llen(gw.keys.intake)).toBe(0);
    expect(await gw.redis.zcard(gw.keys.unqueued)).toBe(0);
  }, 20_000);

  it('adds jobs with the queue defaults and the same id, data and options as Queues.enqueueSubmission', async () => {
    gw = await startGateway({ providers: providers(), workers: false });
    const viaQueue = record('tenant-a');
    const viaIntake = record('tenant-a');
    await gw.rt.queues.enqueueSubmission(viaQueue.task.id, 1);
    await gw.rt.tasks.create(viaIntake);
    const intake = startIntake(gw.rt);
    try {
      await until('the intake adds the job', async () => (await jobOf(gw!.rt, viaIntake.task.id)) !== undefined);
    } finally {
      await intake.close();
    }
    const [a, b] = [(await jobOf(gw.rt, viaQueue.task.id))!, (await jobOf(gw.rt, viaIntake.task.id))!];
    expect(b.id).toBe(`${viaIntake.task.id}-s1`);
    expect(b.name).toBe(a.name);
    expect(b.data).toEqual({ taskId: viaIntake.task.id, generation: 1 });
    const { jobId: _a, ...optsA } = a.opts;
    const { jobId: _b, ...optsB } = b.opts;
    expect(optsB).toEqual(optsA);
    expect(optsB).toMatchObject({ attempts: 1_000_000, removeOnComplete: true });
  });

  it('leaves an id it popped but never added to the sweeper, which submits the task', async () => {
    gw = await startGateway({ providers: providers(), workers: false });
    const id = await submit(gw, 'popped and lost');
    // An intake popped it and died before adding its job: only `unqueued` remembers the task now.
    expect(await gw.redis.rpop(gw.keys.intake)).toBe(id);
    expect(await gw.redis.zscore(gw.keys.unqueued, id)).not.toBeNull();
    await gw.startWorkers();
    const t = await waitForTask(gw.url, KEY, id, 10_000);
    expect(t.status).toBe('succeeded');
    expect(await gw.redis.zscore(gw.keys.unqueued, id)).toBeNull();
    expect(sim.state.requests.filter((r) => r.method === 'POST' && JSON.stringify(r.body).includes('popped and lost'))).toHaveLength(1);
  }, 20_000);

  it('retries a failing add with backoff, keeps the ids, and goes on with the next ones', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    gw = await startGateway({ providers: providers(), workers: false, logger });
    const q = gw.rt.queues.submissions;
    const addBulk = q.addBulk.bind(q);
    let failures = 2;
    q.addBulk = (async (jobs: Parameters<typeof addBulk>[0]) => {
      if (failures-- > 0) throw new Error('simulated outage');
      return addBulk(jobs);
    }) as typeof q.addBulk;
    const first = record('tenant-a');
    await gw.rt.tasks.create(first);
    const intake = startIntake(gw.rt);
    try {
      await until('the first job after two failed adds', async () => (await jobOf(gw!.rt, first.task.id)) !== undefined);
      const second = record('tenant-a');
      await gw.rt.tasks.create(second);
      await until('the next job', async () => (await jobOf(gw!.rt, second.task.id)) !== undefined);
    } finally {
      await intake.close();
    }
    const retries = lines.filter((l) => l.msg === 'intake cannot add or promote submission jobs; retrying');
    expect(retries.map((l) => l.attempt)).toEqual([0, 1]);
    expect(retries[0]).toMatchObject({ err: 'simulated outage', tasks: 1 });
  });
});

describe('the intake across a Redis restart', () => {
  let server: LocalRedis | undefined;
  let rt: Runtime | undefined;
  let intake: Intake | undefined;
  afterAll(async () => {
    await intake?.close();
    await rt?.close().catch(() => undefined);
    server?.close();
  });

  it('survives Redis going away and coming back, and stops at once on close()', async () => {
    server = await localRedis();
    const { probe } = server;
    await server.start();
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    rt = await createRuntime(testConfig({ config: { redisUrl: server.url } }), logger);
    intake = startIntake(rt);

    const a = record('tenant-a');
    await rt.tasks.create(a);
    await until('the first job', async () => (await jobOf(rt!, a.task.id)) !== undefined);

    const runId = async () => /run_id:(\w+)/.exec(await probe.info('server'))?.[1];
    const firstRun = await runId();
    await server.kill();
    await until('the runtime notices', async () => !(await rt!.ping().then(() => true, () => false)));
    await sleep(1000); // an outage of a second: reconnect attempts are refused meanwhile
    await server.start();
    expect(await runId()).not.toBe(firstRun);
    await until('the runtime reconnects', async () => rt!.ping().then(() => true, () => false));
    const b = record('tenant-a');
    await rt.tasks.create(b);
    await until('a job after the restart', async () => (await jobOf(rt!, b.task.id)) !== undefined, 15_000);

    // Its pop blocks for 5 s at a time; close() must not wait for that.
    await until('the intake is waiting for work', async () => /blocked_clients:1\r?\n/.test(await probe.info('clients')));
    const started = Date.now();
    await intake.close();
    intake = undefined;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lines.some((l) => l.msg === 'redis connection error; reconnecting')).toBe(true); // the outage was seen
    await probe.quit();
  }, 40_000);
});
