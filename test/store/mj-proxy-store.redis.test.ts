/** The midjourney-proxy reads on Redis: one call for tasks and MODAL steps, sending only what changed, per tenant. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTaskId } from '../../src/domain/ids.js';
import type { TaskRecord } from '../../src/domain/task.js';
import { createKeys } from '../../src/store/keys.js';
import { MjProxyStore, type ModalStep } from '../../src/store/mj-proxy-store.js';
import { TaskStore } from '../../src/store/task-store.js';
import { dropPrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/gateway.js';

function record(tenantId: string): TaskRecord {
  const at = new Date().toISOString();
  return {
    version: 1,
    task: { id: newTaskId(), action: 'imagine', status: 'queued', progress: 0, provider: null, upstreamId: null, parentId: null, input: { action: 'imagine', prompt: 'x' }, output: null, error: null, cost: null, attempts: [], metadata: {}, createdAt: at, updatedAt: at, submittedAt: null, finishedAt: null },
    priv: { tenantId, request: { action: 'imagine', prompt: 'x' }, deadlineAt: Date.now() + 60_000, upstreamState: {}, phase: 'waiting', excluded: [], sameProviderTries: 0, resubmitted: false, notFound: 0, generation: 1 },
  };
}

describe('reading midjourney-proxy tasks on Redis', () => {
  const prefix = uniquePrefix();
  const keys = createKeys(prefix);
  let redis: Redis;
  let tasks: TaskStore;
  let store: MjProxyStore;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    tasks = new TaskStore(redis, keys, 1);
    store = new MjProxyStore(redis, keys);
  });
  afterAll(async () => {
    await redis.quit();
    await dropPrefix(prefix);
  });

  it('sends a record only when it changed since the version the caller holds', async () => {
    const rec = record('t1');
    await tasks.create(rec);
    const [first] = await store.readMany([rec.task.id], 't1');
    expect(first && 'record' in first && first.record.version).toBe(1);
    expect(await store.readMany([rec.task.id], 't1', [1])).toEqual([{ unchanged: true }]);
    await tasks.update(rec.task.id, (r) => ({ ...r, task: { ...r.task, status: 'running', progress: 40 } }));
    const [moved] = await store.readMany([rec.task.id], 't1', [1]);
    expect(moved && 'record' in moved && [moved.record.version, moved.record.status]).toEqual([2, 'running']);
    // One id alone: the same answers.
    expect(await store.readOne(rec.task.id, 't1', 2)).toEqual({ unchanged: true });
    const one = await store.readOne(rec.task.id, 't1', 1);
    expect(one && 'record' in one && one.record.version).toBe(2);
    expect(await store.readOne(rec.task.id, 't2', 2)).toBeNull();
  });

  it('reads a record whose header is longer than the part read first', async () => {
    const tenant = `t-${'x'.repeat(240)}`;
    const rec = record(tenant);
    await tasks.create(rec);
    const [whole] = await store.readMany([rec.task.id], tenant);
    expect(whole && 'record' in whole && whole.record.tenantId).toBe(tenant);
    expect(await store.readMany([rec.task.id], tenant, [1])).toEqual([{ unchanged: true }]);
    expect(await store.readMany([rec.task.id], `${tenant}y`, [1])).toEqual([null]);
  });

  it("reads tasks and MODAL steps together, in order, and nothing of another tenant's", async () => {
    const mine = record('t1');
    const theirs = record('t2');
    await tasks.create(mine);
    await tasks.create(theirs);
    const step: ModalStep = { id: newTaskId(), tenantId: 't1', sourceId: mine.task.id, customId: 'MJ::Inpaint::1::h::SOLO', kind: 'inpaint', base: {}, finalPrompt: 'x', createdAt: 1 };
    const foreignStep: ModalStep = { ...step, id: newTaskId(), tenantId: 't2' };
    await store.saveModal(step, 60);
    await store.saveModal(foreignStep, 60);
    const reads = await store.readMany([step.id, theirs.task.id, 'tsk_01M90P0WTT00001HSTFJ6BBTT9KP0SJ3WV', mine.task.id, foreignStep.id], 't1', [undefined, 1, undefined, undefined, undefined]);
    expect(reads[0]).toEqual({ modal: step });
    // Holding the right version of another tenant's task still reads nothing.
    expect(reads.slice(1, 3)).toEqual([null, null]);
    expect(reads[3] && 'record' in reads[3] && reads[3].record.tenantId).toBe('t1');
    expect(reads[4]).toBeNull();
    expect(await store.readOne(step.id, 't1')).toEqual({ modal: step });
    expect(await store.readOne(foreignStep.id, 't1')).toBeNull();
  });
});
