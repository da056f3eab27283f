/**
 * Read routes that overlap the rate-limit call with their own read (GET /v1/tasks/:id, GET /v1/tasks): one Redis
 * round trip, and a refused request still gets the 429 (never the data, whatever the handler did), with the same
 * envelope and headers as a route that awaits the decision first. Write routes still decide before doing anything.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, nextSecond, startGateway, TEST_REDIS_URL, uniquePrefix, type TestGateway } from '../helpers/gateway.js';

const READER = 'overlap-reader-key-0123456789';
const BROKEN = 'overlap-broken-key-0123456789';
const PIPED = 'overlap-piped-key-0123456789';
const LIMIT = 5;

/** A TCP proxy in front of Redis that records what clients send, one entry per chunk received. */
async function redisProxy(): Promise<{ url: string; sent: string[]; close(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  const sent: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      sent.push(chunk.toString('latin1'));
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    sent,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('read routes that overlap the rate-limit call with their read', () => {
  const prefix = uniquePrefix();
  let proxy: Awaited<ReturnType<typeof redisProxy>>;
  let gw: TestGateway;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  const submit = async (key: string) => {
    const res = await api(gw.url, 'POST', '/v1/tasks', { key, body: { action: 'imagine', prompt: 'a quiet harbour at night' } });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  /** Fills the tenant's window to its limit. */
  const exhaust = async (tenantId: string, limit: number) => {
    while ((await gw.rt.rateLimit.hit(tenantId, limit)).allowed);
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    proxy = await redisProxy();
    gw = await startGateway({
      keyPrefix: prefix,
      workers: false,
      // No workers: tasks stay queued, so the provider is never called.
      providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }],
      config: { redisUrl: proxy.url },
      tenants: [
        { id: 'reader', apiKeys: [READER], rateLimitPerMinute: LIMIT },
        { id: 'broken', apiKeys: [BROKEN] },
        { id: 'piped', apiKeys: [PIPED] },
      ],
    });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await gw?.close();
    await proxy?.close();
  });

  it('sends the rate-limit call and the task read to Redis in one write; a write route decides first', async () => {
    const id = await submit(PIPED);
    const rlKey = gw.keys.rateWindow('piped');
    const taskKey = gw.keys.task(id);

    // The submit left this process a lease of admissions for the tenant: once it has ended, the read needs the call.
    await nextSecond();
    proxy.sent.length = 0;
    const read = await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: PIPED });
    expect(read.status).toBe(200);
    const reads = proxy.sent.filter((c) => c.includes(taskKey));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toContain(rlKey);

    // Cancel writes: its decision comes back before the task is touched, so they travel separately.
    await nextSecond();
    proxy.sent.length = 0;
    const cancel = await api(gw.url, 'POST', `/v1/tasks/${id}/cancel`, { key: PIPED });
    expect(cancel.status).toBe(200);
    const decided = proxy.sent.filter((c) => c.includes(rlKey));
    expect(decided).toHaveLength(1);
    expect(decided[0]).not.toContain(taskKey);
    expect(proxy.sent.some((c) => c.includes(taskKey))).toBe(true);
  });

  it('answers an admitted read with the RateLimit headers, on a 200 and on a 404 alike', async () => {
    const id = await submit(PIPED);
    const ok = await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: PIPED });
    expect(ok.status).toBe(200);
    expect(ok.body.id).toBe(id);
    expect(ok.headers).toMatchObject({ 'ratelimit-limit': '1000000', 'content-type': 'application/json; charset=utf-8' });
    expect(Number(ok.headers['ratelimit-remaining'])).toBeLessThan(1_000_000);
    const missing = await api(gw.url, 'GET', '/v1/tasks/tsk_does-not-exist', { key: PIPED });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect(missing.headers['ratelimit-limit']).toBe('1000000');
    const list = await api(gw.url, 'GET', '/v1/tasks', { key: PIPED });
    expect(list.status).toBe(200);
    expect(list.headers['ratelimit-limit']).toBe('1000000');
  });

  describe('past the limit', () => {
    let id: string;
    beforeAll(async () => {
      id = await submit(READER);
      await exhaust('reader', LIMIT);
    });

    it('answers 429 instead of the task, exactly as a route that decides first', async () => {
      const refused = await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: READER });
      const usage = await api(gw.url, 'GET', '/v1/usage', { key: READER });
      expect(refused.status).toBe(429);
      expect(usage.status).toBe(429);
      expect(JSON.stringify(refused.body)).not.toContain(id);
      expect(JSON.stringify(refused.body)).not.toContain('harbour');
      expect(refused.body).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/^more than 5 requests in the last minute: retry after \d+ s$/), details: { limit: LIMIT, retryAfterSeconds: Number(refused.headers['retry-after']) } } });
      expect(Object.keys(refused.body.error)).toEqual(Object.keys(usage.body.error));
      const perRequest = new Set(['date', 'content-length', 'x-request-id', 'retry-after', 'ratelimit-reset']);
      const names = (h: Record<string, unknown>) => Object.keys(h).filter((k) => !perRequest.has(k)).sort();
      expect(names(refused.headers)).toEqual(names(usage.headers));
      for (const h of ['content-type', 'ratelimit-limit', 'ratelimit-remaining', 'content-security-policy', 'x-content-type-options']) expect(refused.headers[h]).toBe(usage.headers[h]);
      expect(refused.headers).toMatchObject({ 'ratelimit-limit': '5', 'ratelimit-remaining': '0' });
      expect(refused.headers['ratelimit-reset']).toBe(refused.headers['retry-after']);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(61);
      expect(Number(refused.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(refused.body)));
    });

    it('answers 429 whatever the handler or the validation would have said', async () => {
      const unknown = await api(gw.url, 'GET', '/v1/tasks/tsk_does-not-exist', { key: READER });
      expect(unknown.status).toBe(429);
      expect(unknown.body.error.code).toBe('rate_limited');
      const invalid = await api(gw.url, 'GET', `/v1/tasks/${'x'.repeat(65)}`, { key: READER });
      expect(invalid.status).toBe(429);
      expect(invalid.body.error.code).toBe('rate_limited');
      const badQuery = await api(gw.url, 'GET', '/v1/tasks?limit=-3', { key: READER });
      expect(badQuery.status).toBe(429);
    });

    it('refuses the list and HEAD too, with no data', async () => {
      const list = await api(gw.url, 'GET', '/v1/tasks', { key: READER });
      expect(list.status).toBe(429);
      expect(JSON.stringify(list.body)).not.toContain(id);
      const head = await api(gw.url, 'HEAD', `/v1/tasks/${id}`, { key: READER });
      expect(head.status).toBe(429);
      expect(head.body).toBeUndefined();
      expect(head.headers['retry-after']).toBeDefined();
    });

    it('does nothing for a refused write', async () => {
      const created = await api(gw.url, 'POST', '/v1/tasks', { key: READER, body: { action: 'imagine', prompt: 'refused' } });
      expect(created.status).toBe(429);
      const cancel = await api(gw.url, 'POST', `/v1/tasks/${id}/cancel`, { key: READER });
      expect(cancel.status).toBe(429);
      await gw.redis.del(gw.keys.rateWindow('reader'));
      // The refusal this process holds lasts until the second ends; then it asks Redis again.
      await nextSecond();
      const list = await api(gw.url, 'GET', '/v1/tasks', { key: READER });
      expect(list.status).toBe(200);
      expect(list.body.data.map((t: { id: string }) => t.id)).toEqual([id]);
      expect(list.body.data[0].status).toBe('queued');
    });
  });

  it('never sends the data when the decision itself fails: the same error as a route that decides first', async () => {
    const id = await submit(BROKEN);
    // A window of the wrong type makes the limiter's script fail while the task read succeeds.
    await gw.redis.set(gw.keys.rateWindow('broken'), 'not a window');
    const read = await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: BROKEN });
    const usage = await api(gw.url, 'GET', '/v1/usage', { key: BROKEN });
    expect(usage.status).toBe(500);
    expect(read.status).toBe(500);
    expect(read.body).toEqual(usage.body);
    expect(JSON.stringify(read.body)).not.toContain(id);
    expect(read.headers['ratelimit-limit']).toBeUndefined();
    // The list reads in two round trips: the failed decision waits a whole round trip for the answer to be sent.
    const list = await api(gw.url, 'GET', '/v1/tasks', { key: BROKEN });
    expect(list.status).toBe(500);
    expect(list.body).toEqual(usage.body);
    await gw.redis.del(gw.keys.rateWindow('broken'));
    expect((await api(gw.url, 'GET', `/v1/tasks/${id}`, { key: BROKEN })).status).toBe(200);
  });

  it('left no promise rejection unobserved', () => {
    expect(unhandled).toEqual([]);
  });
});
