import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startGateway, TENANT_A_KEY, TENANT_B_KEY, type TestGateway } from '../helpers/gateway.js';

describe('HTTP courtesies of the API', () => {
  let gw: TestGateway;
  const key = TENANT_A_KEY;

  beforeAll(async () => {
    // No provider calls needed: tasks stay queued (no workers).
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }], workers: false });
  });
  afterAll(async () => gw?.close());

  describe('a wrong method on a known path', () => {
    it('answers 405 with Allow naming the methods the path takes', async () => {
      const res = await api(gw.url, 'DELETE', '/v1/tasks', { key });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, POST');
      expect(res.body.error).toMatchObject({ code: 'method_not_allowed', details: { allow: ['GET', 'HEAD', 'POST'] } });
    });

    it('matches paths with parameters', async () => {
      const res = await api(gw.url, 'PUT', '/v1/tasks/tsk_whatever/cancel', { key });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
    });

    it('still answers 404 for an unknown path', async () => {
      const res = await api(gw.url, 'GET', '/v1/nothing-here', { key });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });
  });

  describe('request bodies', () => {
    it('answers 415 for a media type other than JSON', async () => {
      const res = await api(gw.url, 'POST', '/v1/tasks', { key, raw: 'action=imagine', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
      expect(res.body.error.message).toMatch(/application\/json/);
    });

    it('says "not valid JSON" once', async () => {
      const res = await api(gw.url, 'POST', '/v1/tasks', { key, raw: '{"action":' });
      expect(res.status).toBe(400);
      expect(res.body.error.message.match(/not valid JSON/g)).toHaveLength(1);
    });
  });

  describe('date parameters', () => {
    it.each(['2026-02-30', '2026-13-01', '2026-04-31T10:00:00Z', '2026-01-01T24:00:00Z', 'yesterday'])('refuses %s on /v1/usage', async (d) => {
      const res = await api(gw.url, 'GET', `/v1/usage?from=${encodeURIComponent(d)}`, { key });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/querystring\.from/);
    });

    it('accepts a leap day and a date-time with a zone', async () => {
      expect((await api(gw.url, 'GET', '/v1/usage?from=2028-02-29&to=2028-03-01', { key })).status).toBe(200);
      expect((await api(gw.url, 'GET', `/v1/tasks?from=${encodeURIComponent('2026-01-01T10:00:00+02:00')}`, { key })).status).toBe(200);
    });

    it('refuses an impossible date and a date-time without a zone on the task list', async () => {
      expect((await api(gw.url, 'GET', '/v1/tasks?to=2026-02-30', { key })).status).toBe(400);
      const res = await api(gw.url, 'GET', '/v1/tasks?from=2026-01-01T10:00:00', { key });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/zone/);
    });
  });

  describe('/v1/usage', () => {
    it('has no empty-string key while reservations are open', async () => {
      await api(gw.url, 'POST', '/v1/tasks', { key, body: { action: 'imagine', prompt: 'reserved' } });
      const res = await api(gw.url, 'GET', '/v1/usage', { key });
      expect(res.status).toBe(200);
      expect(res.body.totals.reservedUsd).toBeGreaterThan(0);
      expect(Object.keys(res.body.byAction)).not.toContain('');
      expect(Object.keys(res.body.byProvider)).not.toContain('');
      expect(res.body.byAction.imagine.submitted).toBeGreaterThanOrEqual(1);
    });
  });

  describe('listing by creation time', () => {
    it('keeps only tasks created between from and to', async () => {
      const ids: string[] = [];
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await api(gw.url, 'POST', '/v1/tasks', { key: TENANT_B_KEY, body: { action: 'imagine', prompt: `p${i}` } });
        ids.push(res.body.id);
        times.push(Date.parse(res.body.createdAt));
        await new Promise((r) => setTimeout(r, 30));
      }
      const list = async (q: string) => (await api(gw.url, 'GET', `/v1/tasks?${q}`, { key: TENANT_B_KEY })).body.data.map((t: { id: string }) => t.id);
      const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
      expect(await list(`from=${iso(times[1]!)}`)).toEqual([ids[2], ids[1]]);
      expect(await list(`to=${iso(times[1]!)}`)).toEqual([ids[1], ids[0]]);
      expect(await list(`from=${iso(times[1]!)}&to=${iso(times[1]!)}`)).toEqual([ids[1]]);
      expect(await list(`from=${iso(times[2]! + 1)}`)).toEqual([]);
      const day = new Date(times[0]!).toISOString().slice(0, 10);
      expect(await list(`from=${day}&to=${day}`)).toEqual(expect.arrayContaining(ids));
      // Paging within a window keeps the window.
      const first = (await api(gw.url, 'GET', `/v1/tasks?limit=1&to=${iso(times[1]!)}`, { key: TENANT_B_KEY })).body;
      expect(first.data[0].id).toBe(ids[1]);
      expect(await list(`limit=5&to=${iso(times[1]!)}&cursor=${first.nextCursor}`)).toEqual([ids[0]]);
    });

    it('refuses from after to', async () => {
      const res = await api(gw.url, 'GET', '/v1/tasks?from=2026-03-02&to=2026-03-01', { key });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/from is after/);
    });
  });
});
