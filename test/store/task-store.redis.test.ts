import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTaskId } from '../../src/domain/ids.js';
import { failTask, live, NOTHING_REPORTED, type TaskRecord } from '../../src/domain/task.js';
import { createKeys } from '../../src/store/keys.js';
import { TaskStore } from '../../src/store/task-store.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

function record(tenantId = 't1'): TaskRecord {
  const at = new Date().toISOString();
  return {
    version: 1,
    task: { id: newTaskId(), action: 'imagine', status: 'queued', progress: 0, provider: null, upstreamId: null, parentId: null, input: { action: 'imagine', prompt: 'x' }, output: null, error: null, cost: null, attempts: [], metadata: {}, createdAt: at, updatedAt: at, submittedAt: null, finishedAt: null },
    priv: { tenantId, request: { action: 'imagine', prompt: 'x' }, deadlineAt: Date.now() + 60_000, upstreamState: {}, phase: 'waiting', excluded: [], sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1 },
  };
}

describe('the task store on Redis', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let store: TaskStore;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    store = new TaskStore(redis, createKeys(prefix), 1);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  it('never lets a final status be overwritten, even by racing writers', async () => {
    const rec = record();
    await store.create(rec);
    const writers = Array.from({ length: 20 }, (_, i) =>
      store.update(rec.task.id, (r) => (i === 7 ? failTask(r, 'timeout', 'deadline') : { ...r, task: live(r.task, { status: 'running', progress: i }) })),
    );
    await Promise.all(writers);
    const after = await store.get(rec.task.id);
    expect(after?.task.status).toBe('failed');
    const late = await store.update(rec.task.id, (r) => ({ ...r, task: { ...r.task, status: 'succeeded', output: NOTHING_REPORTED, error: null, finishedAt: r.task.updatedAt } }));
    expect(late?.changed).toBe(false);
    expect((await store.get(rec.task.id))?.task.status).toBe('failed');
    expect(await redis.zscore(createKeys(prefix).active, rec.task.id)).toBeNull();
    expect(await redis.ttl(createKeys(prefix).task(rec.task.id))).toBeGreaterThan(0);
  });

  it('claims an idempotency key once and reports the first task after', async () => {
    const a = record();
    const b = record();
    const first = await store.create(a, { keyHash: 'k1', bodyHash: 'h1' });
    expect(first).toEqual({ created: true, doc: JSON.stringify(a.task) });
    expect(await store.getDoc(a.task.id, a.priv.tenantId)).toBe(JSON.stringify(a.task));
    expect(await store.create(b, { keyHash: 'k1', bodyHash: 'h2' })).toEqual({ created: false, existing: { taskId: a.task.id, bodyHash: 'h1' } });
    expect(await store.get(b.task.id)).toBeNull();
  });

  it('gives the document only to its tenant', async () => {
    const rec = record('owner');
    await store.create(rec);
    expect(await store.getDoc(rec.task.id, 'owner')).toContain(rec.task.id);
    expect(await store.getDoc(rec.task.id, 'someone-else')).toBeNull();
  });

  it('maps upstream job ids to tasks for as long as retention lasts', async () => {
    const day = 86_400_000;
    const t0 = Date.parse('2026-03-10T23:59:00Z');
    await store.mapUpstream('p1', 'job-a', 'tsk_A', t0);
    expect(await store.taskForUpstream('p1', 'job-a', t0)).toBe('tsk_A');
    // Retention is 1 day here: a lookup two days later (past midnight) still finds it; other providers do not.
    expect(await store.taskForUpstream('p1', 'job-a', t0 + 2 * day)).toBe('tsk_A');
    expect(await store.taskForUpstream('p2', 'job-a', t0)).toBeNull();
    expect(await store.taskForUpstream('p1', 'job-b', t0)).toBeNull();
    const ttl = await redis.ttl(createKeys(prefix).upstreamDay('p1', '2026-03-10'));
    expect(ttl).toBeGreaterThan(2 * 86_400);
    expect(ttl).toBeLessThanOrEqual(3 * 86_400);
  });
});
