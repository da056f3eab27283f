/** Disabling and deleting tenants through the admin API, and config tenants the file no longer lists, on real HTTP + Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startApiPair, startGateway, TENANT_A_KEY, TENANT_B_KEY, uniquePrefix, type TestGateway } from '../helpers/gateway.js';

const ADMIN = 'admin-token-0123456789abcdef';
const PROVIDERS = [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }];

describe('disabling and deleting a tenant', () => {
  const prefix = uniquePrefix();
  let one: TestGateway;
  let two: TestGateway;
  const admin = (method: string, path: string, body?: unknown) => api(one.url, method, path, { key: ADMIN, body });

  let pair: Awaited<ReturnType<typeof startApiPair>> | undefined;

  beforeAll(async () => {
    pair = await startApiPair(prefix, ADMIN); // two API processes on the same Redis
    ({ one, two } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('refuses a disabled tenant\'s keys with 403 tenant_disabled at once in every process, and takes them again when enabled', async () => {
    const created = await admin('POST', '/admin/tenants', { id: 'acme' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ disabledAt: null, disabledReason: null });
    const { key } = (await admin('POST', '/admin/tenants/acme/keys')).body as { key: string };
    // Both processes have the key cached before the change.
    expect((await api(one.url, 'GET', '/v1/tasks', { key })).status).toBe(200);
    expect((await api(two.url, 'GET', '/v1/tasks', { key })).status).toBe(200);

    const off = await admin('PATCH', '/admin/tenants/acme', { disabled: true });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ disabledReason: 'admin' });
    expect(Date.parse(off.body.disabledAt)).toBeGreaterThan(0);
    for (const gw of [one, two]) {
      const refused = await api(gw.url, 'GET', '/v1/tasks', { key });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('tenant_disabled');
      expect(refused.body.error.message).toMatch(/tenant acme is disabled/);
    }

    const on = await admin('PATCH', '/admin/tenants/acme', { disabled: false });
    expect(on.body).toMatchObject({ disabledAt: null, disabledReason: null });
    expect((await api(two.url, 'GET', '/v1/tasks', { key })).status).toBe(200);
  });

  it('deletes a tenant and its keys everywhere; its tasks stay readable by admin', async () => {
    const submitted = await api(one.url, 'POST', '/v1/tasks', { key: TENANT_B_KEY, body: { action: 'imagine', prompt: 'a quiet harbour' } });
    expect(submitted.status).toBe(202);
    expect((await api(two.url, 'GET', '/v1/tasks', { key: TENANT_B_KEY })).status).toBe(200);

    expect((await admin('DELETE', '/admin/tenants/tenant-b')).status).toBe(204);
    for (const gw of [one, two]) expect((await api(gw.url, 'GET', '/v1/tasks', { key: TENANT_B_KEY })).status).toBe(401);
    expect((await admin('GET', '/admin/tenants/tenant-b')).status).toBe(404);
    expect(((await admin('GET', '/admin/tenants')).body.data as Array<{ id: string }>).map((t) => t.id)).not.toContain('tenant-b');
    expect((await admin('DELETE', '/admin/tenants/tenant-b')).status).toBe(404);

    const read = await admin('GET', `/admin/tasks/${submitted.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ tenantId: 'tenant-b', task: { id: submitted.body.id, input: { prompt: 'a quiet harbour' } } });
    const listed = await admin('GET', '/admin/tenants/tenant-b/tasks');
    expect(listed.body.data.map((t: { id: string }) => t.id)).toEqual([submitted.body.id]);
    expect((await admin('GET', '/admin/tasks/tsk_unknown')).status).toBe(404);
  });
});

describe('config tenants at start-up', () => {
  const prefix = uniquePrefix();
  const both = [{ id: 'tenant-a', apiKeys: [TENANT_A_KEY] }, { id: 'tenant-b', apiKeys: [TENANT_B_KEY] }];
  const start = (tenants: Array<Record<string, unknown>>) => startGateway({ keyPrefix: prefix, workers: false, tenants, config: { adminToken: ADMIN }, providers: PROVIDERS });
  const stop = async (gw: TestGateway) => {
    await gw.app.close();
    await gw.rt.close();
    await gw.redis.quit();
  };
  let last: TestGateway | undefined;
  afterAll(async () => last?.close());

  it('disables a tenant the file no longer lists, and enables it when listed again', async () => {
    await stop(await start(both));
    const without = await start([both[0]!]);
    const refused = await api(without.url, 'GET', '/v1/tasks', { key: TENANT_B_KEY });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'tenant_disabled', message: expect.stringMatching(/configuration no longer lists it/) });
    expect((await api(without.url, 'GET', '/admin/tenants/tenant-b', { key: ADMIN })).body).toMatchObject({ disabledReason: 'removed_from_config' });
    expect((await api(without.url, 'GET', '/v1/tasks', { key: TENANT_A_KEY })).status).toBe(200);
    await stop(without);

    const again = await start(both);
    expect((await api(again.url, 'GET', '/v1/tasks', { key: TENANT_B_KEY })).status).toBe(200);
    await stop(again);
  });

  it('keeps an admin disable across restarts and does not re-create a deleted tenant', async () => {
    const gw = await start(both);
    await api(gw.url, 'PATCH', '/admin/tenants/tenant-a', { key: ADMIN, body: { disabled: true } });
    await api(gw.url, 'DELETE', '/admin/tenants/tenant-b', { key: ADMIN });
    await stop(gw);

    last = await start(both);
    expect((await api(last.url, 'GET', '/v1/tasks', { key: TENANT_A_KEY })).body.error.code).toBe('tenant_disabled');
    expect((await api(last.url, 'GET', '/v1/tasks', { key: TENANT_B_KEY })).status).toBe(401);
    expect((await api(last.url, 'GET', '/admin/tenants/tenant-b', { key: ADMIN })).status).toBe(404);
    // Created again through the admin API, it exists again (without its old, revoked keys).
    expect((await api(last.url, 'POST', '/admin/tenants', { key: ADMIN, body: { id: 'tenant-b' } })).status).toBe(201);
    expect((await api(last.url, 'GET', '/v1/tasks', { key: TENANT_B_KEY })).status).toBe(401);
  });
});
