/**
 * Slots a crash used to leave held: a task's end frees its slots in the same Redis step as the status write (no
 * process needed after it), and the sweep frees the slots of tasks that are final or gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { failTask } from '../../src/domain/task.js';
import { sweep } from '../../src/jobs/sweeper.js';
import { admit } from '../../src/services/admission.js';
import { TaskStore } from '../../src/store/task-store.js';
import type { Task } from '../../src/schemas/task.js';
import { api, startGateway, TENANT_A_KEY, type TestGateway } from '../helpers/gateway.js';

const PROVIDER = { id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api', maxConcurrency: 3 };

describe('slots after a crash', () => {
  let gw: TestGateway;
  afterEach(async () => gw?.close());

  /** A queued task (no workers run) holding a provider slot and a tenant slot, as a submission job takes them. */
  const holding = async () => {
    const task = (await api<Task>(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'held' } })).body;
    const rec = (await gw.rt.tasks.get(task.id))!;
    expect(await admit(gw.rt, rec, ['legnext-main'], { jobId: 'j', take: true })).toEqual({ held: 'legnext-main' });
    return rec;
  };
  const held = async () => ({
    provider: await gw.redis.zcard(gw.keys.providerSlots('legnext-main')),
    tenant: await gw.redis.zcard(gw.keys.tenantSlots('tenant-a')),
  });

  it('frees every slot in the write that ends the task, with no listener left to run', async () => {
    gw = await startGateway({ workers: false, providers: [PROVIDER], tenants: [{ id: 'tenant-a', apiKeys: [TENANT_A_KEY], maxConcurrentTasks: 3 }] });
    const rec = await holding();
    expect(await held()).toEqual({ provider: 1, tenant: 1 });
    // The store's write alone, as a process that died right after it would leave things.
    const out = await gw.rt.tasks.update(rec.task.id, (r) => failTask(r, 'upstream_error', 'ended'));
    expect(out?.rec.task.status).toBe('failed');
    expect(await held()).toEqual({ provider: 0, tenant: 0 });
  });

  it('the sweep frees slots of tasks that ended without a release, or are gone', async () => {
    gw = await startGateway({ workers: false, providers: [PROVIDER], tenants: [{ id: 'tenant-a', apiKeys: [TENANT_A_KEY], maxConcurrentTasks: 3 }] });
    const ended = await holding();
    const gone = await holding();
    const live = await holding();
    // A writer that does not release (as an older process would): the slots stay behind.
    await new TaskStore(gw.redis, gw.keys, 1).update(ended.task.id, (r) => failTask(r, 'upstream_error', 'ended'));
    await gw.redis.del(gw.keys.task(gone.task.id));
    expect(await held()).toEqual({ provider: 3, tenant: 3 });
    const report = await sweep(gw.rt);
    expect(report.reclaimed).toBe(2);
    expect(await held()).toEqual({ provider: 1, tenant: 1 });
    expect(await gw.redis.zscore(gw.keys.providerSlots('legnext-main'), live.task.id)).not.toBeNull();
    expect((await sweep(gw.rt)).reclaimed).toBe(0);
  });
});
