import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startApiPair, sleep, startGateway, TENANT_A_KEY, uniquePrefix, type TestGateway } from '../helpers/gateway.js';

const ADMIN = 'admin-token-0123456789abcdef';
const SECRET = 'whsec-admin-0123456789abcdef';

describe('the admin API', () => {
  const prefix = uniquePrefix();
  let one: TestGateway;
  let two: TestGateway;
  const admin = (method: string, path: string, body?: unknown, gw = one) => api(gw.url, method, path, { key: ADMIN, body });

  let pair: Awaited<ReturnType<typeof startApiPair>> | undefined;

  beforeAll(async () => {
    pair = await startApiPair(prefix, ADMIN); // two API processes on the same Redis
    ({ one, two } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  describe('authentication', () => {
    it('answers 401 without a token or with a wrong one, 403 for a tenant key', async () => {
      expect((await api(one.url, 'GET', '/admin/tenants')).status).toBe(401);
      const wrong = await api(one.url, 'GET', '/admin/tenants', { key: 'not-the-admin-token-at-all' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('unauthorized');
      const tenant = await api(one.url, 'GET', '/admin/tenants', { key: TENANT_A_KEY });
      expect(tenant.status).toBe(403);
      expect(tenant.body.error).toMatchObject({ code: 'forbidden' });
    });

    it('is disabled (403) when no adminToken is configured', async () => {
      const bare = await startGateway({ workers: false });
      try {
        const res = await api(bare.url, 'GET', '/admin/tenants', { key: ADMIN });
        expect(res.status).toBe(403);
        expect(res.body.error.message).toMatch(/set adminToken/);
      } finally {
        await bare.close();
      }
    });
  });

  it('is documented in the OpenAPI document, with the usage and delivery routes', async () => {
    const doc = (await api(one.url, 'GET', '/openapi.json')).body;
    for (const path of ['/admin/tenants', '/admin/tenants/{id}', '/admin/tenants/{id}/keys', '/admin/tenants/{id}/keys/{keyId}', '/admin/tenants/{id}/keys/{keyId}/rotate', '/v1/usage', '/v1/tasks/{id}/deliveries']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/admin/tenants'].post.security).toEqual([{ admin: [] }]);
  });

  describe('tenants', () => {
    it('creates, reads, lists and changes a tenant, never showing the webhook secret', async () => {
      const created = await admin('POST', '/admin/tenants', { id: 'acme', rateLimitPerMinute: 100, monthlyBudgetUsd: 5, webhookSecret: SECRET, providers: ['legnext-main'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 'acme', source: 'admin', rateLimitPerMinute: 100, maxConcurrentTasks: 50, monthlyBudgetUsd: 5, webhookSecretSet: true, keys: [] });
      expect(JSON.stringify(created.body)).not.toContain(SECRET);

      expect((await admin('POST', '/admin/tenants', { id: 'acme' })).status).toBe(409);
      expect((await admin('GET', '/admin/tenants/acme')).body.id).toBe('acme');
      expect((await admin('GET', '/admin/tenants/nobody')).status).toBe(404);
      const list = await admin('GET', '/admin/tenants');
      expect(list.body.data.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining(['acme', 'tenant-a', 'tenant-b']));

      const patched = await admin('PATCH', '/admin/tenants/acme', { rateLimitPerMinute: 7, monthlyBudgetUsd: null, webhookSecret: null });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ rateLimitPerMinute: 7, monthlyBudgetUsd: null, webhookSecretSet: false });
      expect(patched.body.updatedAt).not.toBeNull();
    });

    it('refuses unknown fields, bad values and unknown providers, naming them', async () => {
      const extra = await admin('POST', '/admin/tenants', { id: 'x1', colour: 'red' });
      expect(extra.status).toBe(400);
      expect(extra.body.error.message).toMatch(/colour/);
      expect((await admin('POST', '/admin/tenants', { id: 'Bad Id' })).body.error.message).toMatch(/body\.id/);
      expect((await admin('PATCH', '/admin/tenants/acme', { rateLimitPerMinute: 0 })).status).toBe(400);
      expect((await admin('PATCH', '/admin/tenants/acme', { webhookSecret: 'short' })).body.error.message).toMatch(/at least 16/);
      const prov = await admin('POST', '/admin/tenants', { id: 'x2', providers: ['nope'] });
      expect(prov.status).toBe(400);
      expect(prov.body.error.message).toMatch(/"nope"/);
      expect((await admin('PATCH', '/admin/tenants/nobody', { name: 'n' })).status).toBe(404);
    });

    it('stores the webhook secret sealed and no plaintext key in Redis', async () => {
      await admin('POST', '/admin/tenants', { id: 'sealed', webhookSecret: SECRET });
      const key = (await admin('POST', '/admin/tenants/sealed/keys')).body.key as string;
      const keys = await one.redis.keys(`${prefix}:*`);
      const dump: string[] = [];
      for (const k of keys) {
        const type = await one.redis.type(k);
        if (type === 'string') dump.push((await one.redis.get(k)) ?? '');
        if (type === 'hash') dump.push(JSON.stringify(await one.redis.hgetall(k)));
        if (type === 'set') dump.push(JSON.stringify(await one.redis.smembers(k)));
      }
      const all = keys.join(' ') + dump.join(' ');
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain(key);
      expect(all).not.toContain(TENANT_A_KEY);
      const rec = await one.rt.tenants.get('sealed');
      expect(one.rt.tenants.webhookSecret(rec!).secret).toBe(SECRET);
    });
  });

  describe('keys', () => {
    it('issues random prefixed keys that work at once, plaintext shown only then', async () => {
      await admin('POST', '/admin/tenants', { id: 'keys-co' });
      const a = await admin('POST', '/admin/tenants/keys-co/keys');
      const b = await admin('POST', '/admin/tenants/keys-co/keys');
      expect(a.status).toBe(201);
      expect(a.body.key).toMatch(/^mjg_live_[A-Za-z0-9_-]{43}$/);
      expect(a.body.key.startsWith(a.body.prefix)).toBe(true);
      expect(a.body.key).not.toBe(b.body.key);
      expect((await api(one.url, 'GET', '/v1/tasks', { key: a.body.key })).status).toBe(200);
      const read = await admin('GET', '/admin/tenants/keys-co');
      expect(read.body.keys.map((k: { id: string }) => k.id)).toEqual([a.body.id, b.body.id]);
      expect(JSON.stringify(read.body)).not.toContain(a.body.key);
      expect((await admin('POST', '/admin/tenants/nobody/keys')).status).toBe(404);
    });

    it('revokes a key in every process within a second', async () => {
      const issued = (await admin('POST', '/admin/tenants/keys-co/keys')).body;
      // Both processes have the key cached now.
      expect((await api(one.url, 'GET', '/v1/tasks', { key: issued.key })).status).toBe(200);
      expect((await api(two.url, 'GET', '/v1/tasks', { key: issued.key })).status).toBe(200);
      const revoked = await admin('DELETE', `/admin/tenants/keys-co/keys/${issued.id}`);
      expect(revoked.status).toBe(204);
      const start = Date.now();
      let status = 200;
      while (status !== 401 && Date.now() - start < 1000) {
        status = (await api(two.url, 'GET', '/v1/tasks', { key: issued.key })).status;
        if (status !== 401) await sleep(5);
      }
      expect(status).toBe(401);
      expect(Date.now() - start).toBeLessThan(1000);
      expect((await api(one.url, 'GET', '/v1/tasks', { key: issued.key })).status).toBe(401);
      expect((await admin('DELETE', `/admin/tenants/keys-co/keys/${issued.id}`)).status).toBe(404);
    });

    it('rotates a key: the new one works, the old one is refused everywhere', async () => {
      const old = (await admin('POST', '/admin/tenants/keys-co/keys')).body;
      expect((await api(two.url, 'GET', '/v1/tasks', { key: old.key })).status).toBe(200);
      const rotated = await admin('POST', `/admin/tenants/keys-co/keys/${old.id}/rotate`, undefined, two);
      expect(rotated.status).toBe(201);
      expect(rotated.body).toMatchObject({ replaces: old.id });
      expect((await api(one.url, 'GET', '/v1/tasks', { key: rotated.body.key })).status).toBe(200);
      await sleep(50);
      expect((await api(one.url, 'GET', '/v1/tasks', { key: old.key })).status).toBe(401);
      expect((await api(two.url, 'GET', '/v1/tasks', { key: old.key })).status).toBe(401);
    });

    it('applies a changed limit in every process, and keeps a revoked config key revoked after a restart', async () => {
      expect((await api(two.url, 'GET', '/v1/tasks', { key: TENANT_A_KEY })).headers['ratelimit-limit']).toBe('1000000');
      await admin('PATCH', '/admin/tenants/tenant-a', { rateLimitPerMinute: 500 });
      await sleep(50);
      expect((await api(two.url, 'GET', '/v1/tasks', { key: TENANT_A_KEY })).headers['ratelimit-limit']).toBe('500');

      const keyId = (await admin('GET', '/admin/tenants/tenant-a')).body.keys[0].id;
      expect((await admin('DELETE', `/admin/tenants/tenant-a/keys/${keyId}`)).status).toBe(204);
      const restarted = await startGateway({ keyPrefix: prefix, workers: false });
      try {
        expect((await api(restarted.url, 'GET', '/v1/tasks', { key: TENANT_A_KEY })).status).toBe(401);
      } finally {
        await restarted.app.close();
        await restarted.rt.close();
      }
    });
  });
});
