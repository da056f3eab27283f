import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, startGateway, TENANT_A_KEY, TENANT_B_KEY, waitForTask, type TestGateway } from '../helpers/gateway.js';

describe('the /v1/tasks API', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let apiOnly: TestGateway;
  const post = (body: unknown, key = TENANT_A_KEY, headers?: Record<string, string>) => api(gw.url, 'POST', '/v1/tasks', { key, body, headers });

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 50;
    const providers = [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }];
    gw = await startGateway({ providers });
    // No workers: tasks stay queued, which is what cancel needs.
    apiOnly = await startGateway({ providers, workers: false });
  });
  afterAll(async () => {
    await gw?.close();
    await apiOnly?.close();
    await sim?.close();
  });

  describe('authentication', () => {
    it('answers 401 with the envelope when no key is sent', async () => {
      const res = await api(gw.url, 'GET', '/v1/tasks');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(res.body.error.message).toMatch(/Bearer/);
    });

    it('answers 401 for an unknown key', async () => {
      expect((await api(gw.url, 'GET', '/v1/tasks', { key: 'not-a-real-key-at-all' })).status).toBe(401);
    });

    it('accepts the key as x-api-key too', async () => {
      const res = await api(gw.url, 'GET', '/v1/tasks', { headers: { 'x-api-key': TENANT_A_KEY } });
      expect(res.status).toBe(200);
    });

    it('stores no plaintext key in Redis', async () => {
      const keys = await gw.redis.keys(`${gw.config.keyPrefix}:*`);
      const values = await Promise.all(keys.filter((k) => k.includes(':key:') || k.includes(':tenant:')).map((k) => gw.redis.get(k)));
      expect(keys.some((k) => k.includes(TENANT_A_KEY))).toBe(false);
      expect(values.join('')).not.toContain(TENANT_A_KEY);
    });
  });

  describe('validation', () => {
    it('answers 400 for malformed JSON', async () => {
      const res = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, raw: '{"action": "imagine", "prompt": ' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request' });
      expect(res.body.error.message).toMatch(/not valid JSON/);
    });

    it('names the allowed actions for an unknown action', async () => {
      const res = await post({ action: 'paint', prompt: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/action must be one of: imagine, variation/);
    });

    it('says which field is wrong for an out-of-range index', async () => {
      const res = await post({ action: 'variation', taskId: 'tsk_01M7ZPSYV80000S0BAVRHD7GZABMHQ3EW6', index: 5 });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/body\.index: index must be 1, 2, 3 or 4/);
      expect(res.body.error.details[0].path).toBe('body.index');
    });

    it('refuses an empty prompt', async () => {
      const res = await post({ action: 'imagine', prompt: '   ' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/body\.prompt: prompt must not be empty/);
    });

    it('refuses unknown fields, naming them', async () => {
      const res = await post({ action: 'imagine', prompt: 'x', colour: 'red' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/colour/);
    });

    it('refuses a prompt whose speed flag contradicts speed', async () => {
      const res = await post({ action: 'imagine', prompt: 'x --turbo', speed: 'fast' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/keep one/);
    });

    it('answers 422 when no provider can run the request, naming why', async () => {
      const res = await post({ action: 'imagine', prompt: 'x --relax' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('action_not_supported');
      expect(res.body.error.message).toMatch(/imagine at speed relax.*legnext-main: Legnext has no relax/);
    });

    it('answers 404 with the envelope for an unknown route', async () => {
      const res = await api(gw.url, 'GET', '/v1/nothing', { key: TENANT_A_KEY });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });

    it('answers 413 for a body over the limit', async () => {
      const res = await post({ action: 'imagine', prompt: 'x'.repeat(300 * 1024) });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
    });
  });

  describe('tenancy', () => {
    it("answers 404 for another tenant's task, exactly as for an unknown one", async () => {
      const created = await post({ action: 'imagine', prompt: 'tenant a only' });
      expect(created.status).toBe(202);
      const other = await api(gw.url, 'GET', `/v1/tasks/${created.body.id}`, { key: TENANT_B_KEY });
      const unknown = await api(gw.url, 'GET', '/v1/tasks/tsk_01M7ZPSYV80000S0BAVRHD7GZABMHQ3EW6', { key: TENANT_B_KEY });
      expect(other.status).toBe(404);
      expect(other.body.error.code).toBe('not_found');
      expect(unknown.status).toBe(404);
      expect(Object.keys(other.body.error)).toEqual(Object.keys(unknown.body.error));
      const cancel = await api(gw.url, 'POST', `/v1/tasks/${created.body.id}/cancel`, { key: TENANT_B_KEY });
      expect(cancel.status).toBe(404);
    });

    it("refuses a follow-up on another tenant's task with 404", async () => {
      const parent = await post({ action: 'imagine', prompt: 'parent' });
      await waitForTask(gw.url, TENANT_A_KEY, parent.body.id);
      const res = await post({ action: 'upscale', taskId: parent.body.id, index: 1 }, TENANT_B_KEY);
      expect(res.status).toBe(404);
    });
  });

  describe('idempotency', () => {
    it('returns the first task, 200, for a repeated key and body', async () => {
      const headers = { 'idempotency-key': `idem-${Date.now()}` };
      const first = await post({ action: 'imagine', prompt: 'once', metadata: { order: 7 } }, TENANT_A_KEY, headers);
      const again = await post({ metadata: { order: 7 }, prompt: 'once', action: 'imagine' }, TENANT_A_KEY, headers);
      expect(first.status).toBe(202);
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
    });

    it('answers 409 for the same key with another body', async () => {
      const headers = { 'idempotency-key': `idem-conflict-${Date.now()}` };
      await post({ action: 'imagine', prompt: 'one' }, TENANT_A_KEY, headers);
      const res = await post({ action: 'imagine', prompt: 'two' }, TENANT_A_KEY, headers);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('idempotency_conflict');
    });

    it('keeps keys per tenant', async () => {
      const headers = { 'idempotency-key': `idem-shared-${Date.now()}` };
      const a = await post({ action: 'imagine', prompt: 'same' }, TENANT_A_KEY, headers);
      const b = await post({ action: 'imagine', prompt: 'same' }, TENANT_B_KEY, headers);
      expect(b.status).toBe(202);
      expect(b.body.id).not.toBe(a.body.id);
    });
  });

  describe('listing', () => {
    it('pages newest first with a cursor and filters by status and action', async () => {
      const key = TENANT_B_KEY;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await post({ action: 'imagine', prompt: `list ${i}` }, key)).body.id);
      for (const id of ids) await waitForTask(gw.url, key, id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { data: Array<{ id: string }>; nextCursor: string | null } } = await api(gw.url, 'GET', `/v1/tasks?limit=2&action=imagine${cursor ? `&cursor=${cursor}` : ''}`, { key });
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((t) => t.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen.slice(0, 5)).toEqual([...ids].reverse());
      const failed = await api(gw.url, 'GET', '/v1/tasks?status=failed', { key });
      expect(failed.body.data.every((t: { status: string }) => t.status === 'failed')).toBe(true);
      const bad = await api(gw.url, 'GET', '/v1/tasks?limit=1000', { key });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/querystring\.limit/);
    });
  });

  describe('cancel', () => {
    it('cancels a queued task; a repeated cancel is idempotent', async () => {
      const created = await api(apiOnly.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'cancel me' } });
      expect(created.body.status).toBe('queued');
      const res = await api(apiOnly.url, 'POST', `/v1/tasks/${created.body.id}/cancel`, { key: TENANT_A_KEY });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'canceled', error: { code: 'canceled' } });
      expect(res.body.finishedAt).not.toBeNull();
      const again = await api(apiOnly.url, 'POST', `/v1/tasks/${created.body.id}/cancel`, { key: TENANT_A_KEY });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: created.body.id, status: 'canceled', updatedAt: res.body.updatedAt });
    });

    it('answers 409 not_cancelable once the task has succeeded', async () => {
      const created = await post({ action: 'imagine', prompt: 'too late' });
      await waitForTask(gw.url, TENANT_A_KEY, created.body.id);
      const res = await api(gw.url, 'POST', `/v1/tasks/${created.body.id}/cancel`, { key: TENANT_A_KEY });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('not_cancelable');
    });

    it('never runs a canceled task, even when a worker comes later', async () => {
      const created = await api(apiOnly.url, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'canceled before workers' } });
      await api(apiOnly.url, 'POST', `/v1/tasks/${created.body.id}/cancel`, { key: TENANT_A_KEY });
      const before = sim.state.requests.length;
      await apiOnly.startWorkers();
      await new Promise((r) => setTimeout(r, 300));
      const t = await api(apiOnly.url, 'GET', `/v1/tasks/${created.body.id}`, { key: TENANT_A_KEY });
      expect(t.body.status).toBe('canceled');
      expect(sim.state.requests.slice(before).some((r) => JSON.stringify(r.body).includes('canceled before workers'))).toBe(false);
    });
  });

  describe('health', () => {
    it('is live and ready', async () => {
      expect((await api(gw.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
      expect((await api(gw.url, 'GET', '/readyz')).body).toEqual({ status: 'ready', redis: 'ok' });
    });
  });
});
