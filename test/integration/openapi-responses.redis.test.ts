/**
 * Real answers against the committed OpenAPI document: every status and body a client meets on the way through the
 * API (tasks in each status, follow-ups, lists, errors, admin, the midjourney-proxy routes) validates against the
 * operation's schema for that status, the way a generated client would read it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, startGateway, TENANT_A_KEY, waitForTask, type ApiAnswer, type TestGateway } from '../helpers/gateway.js';
import { answerProblems, schemaAt } from '../helpers/openapi-validator.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const ADMIN = 'admin-token-openapi-0123456789';

describe('answers checked against the OpenAPI document', () => {
  let sim: Simulator;
  let hooks: Receiver;
  let gw: TestGateway;
  let idle: TestGateway;
  const problems: string[] = [];
  const seen = new Set<string>();

  /** One call, its answer checked; returns the answer for the flow to go on. */
  async function call(target: TestGateway, method: string, path: string, opts: Parameters<typeof api>[3] = {}): Promise<ApiAnswer> {
    const res = await api(target.url, method, path, opts);
    problems.push(...answerProblems(method, path, res));
    seen.add(`${method} ${res.status}`);
    return res;
  }
  const tenant = (method: string, path: string, body?: unknown) => call(gw, method, path, { key: TENANT_A_KEY, body });
  const admin = (method: string, path: string, body?: unknown) => call(gw, method, path, { headers: { authorization: `Bearer ${ADMIN}` }, body });

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 60;
    hooks = await startReceiver();
    const providers = [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }];
    gw = await startGateway({ providers, config: { adminToken: ADMIN } });
    // No workers: its tasks stay queued, which cancel needs.
    idle = await startGateway({ providers, workers: false });
  });
  beforeEach(() => {
    problems.length = 0;
  });
  afterAll(async () => {
    await gw?.close();
    await idle?.close();
    await hooks?.close();
    await sim?.close();
  });

  it('validates tasks in every status, follow-ups, lists, deliveries and webhooks-era reads', async () => {
    const grid = await tenant('POST', '/v1/tasks', { action: 'imagine', prompt: 'a lighthouse at dusk', callbackUrl: `${hooks.url}/hook`, metadata: { order: 7 } });
    expect(grid.status).toBe(202);
    await tenant('GET', `/v1/tasks/${grid.body.id}`);
    await waitForTask(gw.url, TENANT_A_KEY, grid.body.id);
    const done = await tenant('GET', `/v1/tasks/${grid.body.id}`);
    expect(done.body.status).toBe('succeeded');
    const up = await tenant('POST', '/v1/tasks', { action: 'upscale', taskId: grid.body.id, index: 2 });
    await waitForTask(gw.url, TENANT_A_KEY, up.body.id);
    await tenant('GET', `/v1/tasks/${up.body.id}`);
    const failed = await tenant('POST', '/v1/tasks', { action: 'imagine', prompt: 'a storm [sim:fail]' });
    await waitForTask(gw.url, TENANT_A_KEY, failed.body.id);
    expect((await tenant('GET', `/v1/tasks/${failed.body.id}`)).body.status).toBe('failed');
    await tenant('GET', '/v1/tasks?limit=5');
    await tenant('GET', `/v1/tasks?status=failed&from=2020-01-01`);
    await tenant('GET', `/v1/tasks/${grid.body.id}/deliveries`);
    await tenant('GET', '/v1/providers');
    await tenant('GET', '/v1/usage');
    // An Idempotency-Key replay (200) and a wait that is honoured.
    const headers = { 'idempotency-key': 'openapi-1', prefer: 'wait=5' };
    await call(gw, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'shorten', prompt: 'a very long prompt' }, headers });
    await call(gw, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'shorten', prompt: 'a very long prompt' }, headers });

    const queued = await call(idle, 'POST', '/v1/tasks', { key: TENANT_A_KEY, body: { action: 'imagine', prompt: 'never sent' } });
    expect((await call(idle, 'POST', `/v1/tasks/${queued.body.id}/cancel`, { key: TENANT_A_KEY })).body.status).toBe('canceled');
    await call(idle, 'GET', `/v1/tasks/${queued.body.id}`, { key: TENANT_A_KEY });
    expect(problems).toEqual([]);
    expect([...seen]).toEqual(expect.arrayContaining(['POST 202', 'POST 200', 'GET 200']));
  });

  it('validates error answers: each documented status and the default', async () => {
    await tenant('POST', '/v1/tasks', { action: 'imagine', prompt: '   ' });
    await tenant('POST', '/v1/tasks', { action: 'video', imageUrl: 'https://example.com/a.png', taskId: 'tsk_01M7ZPSYV80000S0BAVRHD7GZABMHQ3EW6', index: 1 });
    await call(gw, 'GET', '/v1/tasks');
    await tenant('GET', '/v1/tasks/tsk_00000000000000000000000000');
    await tenant('POST', '/v1/tasks', { action: 'upscale', taskId: 'tsk_00000000000000000000000000', index: 1 });
    // A method the path does not take has no operation to document it: its 405 is still the envelope.
    const wrong = await api(gw.url, 'PUT', '/v1/tasks', { key: TENANT_A_KEY });
    expect(wrong.status).toBe(405);
    expect(schemaAt('components', 'schemas', 'Error')(wrong.body)).toBe(true);
    await call(gw, 'POST', '/v1/tasks', { key: TENANT_A_KEY, raw: 'action=imagine', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await admin('POST', '/admin/tenants', { id: 'tenant-a' });
    await call(gw, 'GET', '/admin/tenants', { key: TENANT_A_KEY });
    expect(problems).toEqual([]);
    expect([...seen]).toEqual(expect.arrayContaining(['POST 400', 'GET 401', 'GET 404', 'POST 404', 'POST 415', 'POST 409', 'GET 403']));
  });

  it('validates the admin API, a 204 without a body, health and the midjourney-proxy routes', async () => {
    const created = await admin('POST', '/admin/tenants', { id: 'openapi-t', rateLimitPerMinute: 600 });
    expect(created.status).toBe(201);
    await admin('GET', '/admin/tenants');
    await admin('PATCH', '/admin/tenants/openapi-t', { maxConcurrentTasks: 3 });
    const key = await admin('POST', '/admin/tenants/openapi-t/keys');
    const rotated = await admin('POST', `/admin/tenants/openapi-t/keys/${key.body.id}/rotate`);
    expect((await admin('DELETE', `/admin/tenants/openapi-t/keys/${rotated.body.id}`)).status).toBe(204);
    await admin('GET', '/admin/tenants/openapi-t/usage');
    await admin('GET', '/admin/providers');
    await admin('GET', '/admin/queues');
    const listed = await tenant('GET', '/v1/tasks?limit=1');
    await admin('GET', `/admin/tasks/${listed.body.data[0].id}`);
    await admin('GET', '/admin/tenants/tenant-a/tasks?limit=3');
    await call(gw, 'GET', '/healthz');
    await call(gw, 'GET', '/readyz');
    const mj = await call(gw, 'POST', '/mj/submit/imagine', { headers: { 'mj-api-secret': TENANT_A_KEY }, body: { prompt: 'a fox' } });
    await call(gw, 'GET', `/mj/task/${mj.body.result}/fetch`, { headers: { 'mj-api-secret': TENANT_A_KEY } });
    expect(problems).toEqual([]);
    expect([...seen]).toEqual(expect.arrayContaining(['POST 201', 'PATCH 200', 'DELETE 204']));
  });

  it('would catch an answer the document does not describe', () => {
    const ok = { status: 200, headers: { 'content-type': 'application/json' } };
    const task = { id: 'tsk_x', status: 'succeeded', output: null };
    expect(answerProblems('GET', '/v1/tasks/tsk_x', { ...ok, body: task }).length).toBeGreaterThan(0);
    expect(answerProblems('DELETE', '/admin/tenants/t/keys/k', { status: 204, headers: {}, body: { a: 1 } })).toHaveLength(1);
    expect(answerProblems('GET', '/nowhere', { ...ok, body: {} })).toEqual(['GET /nowhere is not documented']);
  });
});
