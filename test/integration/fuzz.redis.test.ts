/**
 * Fuzz over every endpoint: random and boundary JSON, wrong types, huge strings, unicode, bad paths and queries,
 * every kind of credential. No answer may be a 5xx; every 4xx must be the error envelope with its catalogue status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/errors.js';
import { api, startGateway, TENANT_A_KEY, type ApiAnswer, type TestGateway } from '../helpers/gateway.js';

const ADMIN = 'admin-token-fuzz-0123456789';

/** Small seeded PRNG (mulberry32), so a failure can be replayed with the printed seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  '', ' ', 'a', 'x'.repeat(9000), 'é'.repeat(3000), '🦊'.repeat(2000), '\u0000', '\u202e\u0645\u0631\u062d\u0628\u0627', '../../etc/passwd', '%00%ff',
  "'; DROP TABLE tasks; --", '{"a":1}', 'tsk_01M7ZPSYV80000S0BAVRHD7GZABMHQ3EW6', 'http://127.0.0.1:1/x', 'https://example.com/a.png', 'javascript:alert(1)',
  'imagine', 'legnext-main', 'key_0123', 'mjg_live_x', '2025-02-30', '-1', 'NaN', '\ud800',
];
const NUMBERS = [0, -1, 1, 4, 5, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MIN_VALUE, 1e-7, 3.0, 2.5, 600, 1_000_001];
const FIELDS = [
  'action', 'prompt', 'taskId', 'index', 'strength', 'mode', 'direction', 'scale', 'mask', 'imageUrls', 'imageUrl', 'aspectRatio', 'resolution',
  'callbackUrl', 'provider', 'speed', 'metadata', 'id', 'name', 'rateLimitPerMinute', 'maxConcurrentTasks', 'providers', 'monthlyBudgetUsd',
  'webhookSecret', 'webhookUrl', '__proto__', 'constructor', 'from', 'to',
];

function value(r: () => number, depth = 0): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const k = r();
  if (k < 0.25) return pick(STRINGS);
  if (k < 0.45) return pick(NUMBERS);
  if (k < 0.52) return pick([true, false, null]);
  if (depth > 3) return pick(STRINGS);
  if (k < 0.7) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  return object(r, depth + 1);
}

function object(r: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 6); i >= 0; i--) out[FIELDS[Math.floor(r() * FIELDS.length)]!] = value(r, depth);
  if (r() < 0.5) out.action = ['imagine', 'variation', 'upscale', 'pan', 'inpaint', 'blend', 'video', 'paint'][Math.floor(r() * 8)];
  return out;
}

function body(r: () => number): { body?: unknown; raw?: string; headers?: Record<string, string> } {
  const k = r();
  if (k < 0.6) return { body: object(r) };
  if (k < 0.7) return { body: value(r) };
  if (k < 0.8) return { raw: ['{', '{"a":', 'nul', '[]]', '"\\u12"', '{"a":1}{"b":2}', '\u00ff\u00fe', '0'.repeat(5000)][Math.floor(r() * 8)] };
  if (k < 0.9) return { raw: 'action=imagine', headers: { 'content-type': ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'][Math.floor(r() * 3)]! } };
  return { body: `[${'['.repeat(200)}${']'.repeat(200)}]` };
}

const SEGMENTS = [...STRINGS.filter((s) => s.length < 200), 'tenant-a', 'tsk_x'];
/** A path or query piece: mostly encoded strings, sometimes a malformed escape as is. */
function segment(r: () => number): string {
  if (r() < 0.05) return ['%E0%A4%A', '%', '%ZZ', '..%2F..'][Math.floor(r() * 4)]!;
  const text = Buffer.from(SEGMENTS[Math.floor(r() * SEGMENTS.length)]!.slice(0, 100)).toString('utf8'); // lone surrogates become U+FFFD
  return encodeURIComponent(text) || 'x';
}

const ROUTES: Array<[string, (r: () => number) => string]> = [
  ['POST', () => '/v1/tasks'], ['GET', (r) => `/v1/tasks?status=${segment(r)}&limit=${segment(r)}&cursor=${segment(r)}`],
  ['GET', (r) => `/v1/tasks/${segment(r)}`], ['POST', (r) => `/v1/tasks/${segment(r)}/cancel`], ['GET', (r) => `/v1/tasks/${segment(r)}/deliveries`],
  ['GET', () => '/v1/providers'], ['GET', (r) => `/v1/usage?from=${segment(r)}&to=${segment(r)}`], ['POST', (r) => `/v1/callbacks/${segment(r)}/${segment(r)}`],
  ['GET', () => '/healthz'], ['GET', () => '/readyz'], ['GET', () => '/openapi.json'],
  ['POST', () => '/admin/tenants'], ['GET', () => '/admin/tenants'], ['GET', (r) => `/admin/tenants/${segment(r)}`], ['PATCH', (r) => `/admin/tenants/${segment(r)}`],
  ['POST', (r) => `/admin/tenants/${segment(r)}/keys`], ['DELETE', (r) => `/admin/tenants/${segment(r)}/keys/${segment(r)}`],
  ['POST', (r) => `/admin/tenants/${segment(r)}/keys/${segment(r)}/rotate`], ['PUT', () => '/v1/tasks'], ['GET', (r) => `/${segment(r)}`],
];

function credentials(r: () => number): Record<string, string> {
  return [
    {}, { authorization: `Bearer ${TENANT_A_KEY}` }, { authorization: `Bearer ${ADMIN}` }, { authorization: 'Bearer ' }, { authorization: 'Basic YTpi' },
    { 'x-api-key': 'x'.repeat(5000) }, { authorization: `Bearer ${'é'.repeat(100)}` }, { 'x-api-key': TENANT_A_KEY },
  ][Math.floor(r() * 8)]!;
}

describe('fuzzing every endpoint', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ workers: false, config: { adminToken: ADMIN }, providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: 'http://127.0.0.1:9/api' }] });
  });
  afterAll(async () => gw?.close());

  function check(res: ApiAnswer, what: string): void {
    expect(res.status, what).toBeLessThan(500);
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '');
    expect(text, what).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
    if (res.status >= 400) {
      expect(res.body?.error, what).toBeTypeOf('object');
      expect(Object.keys(ERROR_STATUS), what).toContain(res.body.error.code);
      expect(ERROR_STATUS[res.body.error.code as keyof typeof ERROR_STATUS], what).toBe(res.status);
      expect(res.body.error.message, what).toBeTypeOf('string');
    }
  }

  it('never answers 5xx, and every 4xx is the error envelope', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const r = rng(seed);
    const statuses = new Map<number, number>();
    for (let i = 0, runs = Number(process.env.FUZZ_RUNS ?? 1200); i < runs; i++) {
      const [method, path] = ROUTES[Math.floor(r() * ROUTES.length)]!;
      const url = path(r);
      const payload = method === 'GET' || method === 'DELETE' ? {} : body(r);
      const headers = { ...credentials(r), ...payload.headers };
      const res = await api(gw.url, method, url, { ...payload, headers });
      check(res, `seed ${seed} #${i}: ${method} ${url} ${JSON.stringify(payload).slice(0, 300)}`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    // The fuzzer must reach past authentication and validation, not only bounce off them.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 400, 401, 404]));
  });

  it('sends security headers on every answer and keeps /docs working', async () => {
    for (const res of [await api(gw.url, 'GET', '/v1/tasks', { key: TENANT_A_KEY }), await api(gw.url, 'GET', '/nowhere')]) {
      // OWASP's list for API responses; the HTML-only headers are for /docs.
      expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'cache-control': 'no-store' });
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['referrer-policy']).toBeUndefined();
      // Plain HTTP: no HSTS (RFC 6797 §7.2); the proxy's X-Forwarded-Proto says when the client came over HTTPS.
      expect(res.headers['strict-transport-security']).toBeUndefined();
      // Nothing tells what the server runs on.
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers.server).toBeUndefined();
    }
    const docs = await api(gw.url, 'GET', '/docs/');
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain('swagger-ui');
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(docs.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin' });
    for (const path of ['/v1/tasks', '/nowhere', '/docs/']) {
      const tls = await api(gw.url, 'GET', path, { key: TENANT_A_KEY, headers: { 'x-forwarded-proto': 'https' } });
      expect(tls.headers['strict-transport-security']).toBe('max-age=15552000; includeSubDomains');
      expect(tls.headers['x-content-type-options']).toBe('nosniff');
    }
    const init = await api(gw.url, 'GET', '/docs/static/swagger-initializer.js');
    expect(init.status).toBe(200);
  });
});
