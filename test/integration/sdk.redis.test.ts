import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { GatewayClient, GatewayError, verifyWebhook, type Task } from '../../clients/typescript/src/index.js';
import { flow } from '../../clients/typescript/examples/flow.js';
import { signature } from '../../src/services/webhooks.js';
import { startGateway, TENANT_A_KEY, type TestGateway } from '../helpers/gateway.js';

const ADMIN = 'admin-token-0123456789abcdef';

describe('the TypeScript client against a real gateway', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let client: GatewayClient;

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'lk' });
    sim.state.behaviour.jobDurationMs = 150;
    gw = await startGateway({ providers: [{ id: 'legnext-main', type: 'legnext', apiKey: 'lk', baseUrl: `${sim.url}/api` }], config: { adminToken: ADMIN } });
    client = new GatewayClient({ baseUrl: gw.url, apiKey: TENANT_A_KEY, adminToken: ADMIN });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  it('runs the example flow: submit, wait, upscale, list, cancel, rotate a key', async () => {
    const issued = await client.admin.issueKey('tenant-a');
    const out = await flow(client, 'tenant-a', issued.id);
    expect(out.gridImages).toHaveLength(4);
    expect(out.upscaled).toMatchObject({ action: 'upscale', status: 'succeeded' });
    expect(out.listed).toBe(2);
    if (out.canceled instanceof GatewayError) expect(out.canceled.code).toBe('not_cancelable');
    else expect(out.canceled.status).toBe('canceled');
    expect(out.newKeyPrefix).not.toBe(issued.prefix);
    // The rotated key no longer works; the new one does.
    const old = new GatewayClient({ baseUrl: gw.url, apiKey: issued.key });
    await expect(old.listPage()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('cancels a task its provider is already running', async () => {
    const task = await client.submit({ action: 'imagine', prompt: 'runs until canceled [sim:never]' });
    for await (const t of client.streamTask(task.id)) if (t.status === 'submitted' || t.status === 'running') break;
    const canceled = await client.cancel(task.id);
    expect(canceled).toMatchObject({ id: task.id, status: 'canceled', provider: 'legnext-main', error: { code: 'canceled' } });
    expect(canceled.cost?.amountUsd).toBeGreaterThan(0);
    expect((await client.get(task.id)).status).toBe('canceled');
  });

  it('streams every change until the task is final', async () => {
    const task = await client.submit({ action: 'imagine', prompt: 'streamed' });
    const seen: Task[] = [];
    for await (const t of client.streamTask(task.id)) seen.push(t);
    expect(seen.at(-1)!.status).toBe('succeeded');
    expect(seen.every((t) => t.id === task.id)).toBe(true);
  });

  it('pages through the list with an async iterator', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) ids.add((await client.submit({ action: 'imagine', prompt: `page ${i}` })).id);
    const found: string[] = [];
    for await (const t of client.list({ limit: 1 })) if (ids.has(t.id)) found.push(t.id);
    expect(new Set(found)).toEqual(ids);
  });

  it('throws typed errors from the envelope', async () => {
    const err = await client.get('tsk_00000000000000000000000000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 404, code: 'not_found' });
    const bad = await client.submit({ action: 'imagine', prompt: '   ' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 'invalid_request' });
    expect((bad as GatewayError).message).toMatch(/prompt/);
  });

  it('waits by polling when the server does not hold answers', async () => {
    // A fetch that drops the Prefer header: the server answers at once, the client polls.
    const plain: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('prefer');
      return fetch(input, { ...init, headers });
    };
    const polling = new GatewayClient({ baseUrl: gw.url, apiKey: TENANT_A_KEY, fetch: plain });
    const task = await polling.submit({ action: 'imagine', prompt: 'polled' });
    expect((await polling.waitForTask(task.id, { pollIntervalMs: 50, timeoutMs: 20_000 })).status).toBe('succeeded');
  });
});

describe('verifyWebhook', () => {
  const body = JSON.stringify({ id: 'tsk_x', status: 'succeeded' });
  const now = Date.now();
  const header = signature('whsec-0123456789', body, Math.floor(now / 1000));

  it('accepts the gateway\'s signature of the raw body', () => {
    expect(verifyWebhook(header, body, 'whsec-0123456789', 300, now)).toBe(true);
    expect(verifyWebhook(header, Buffer.from(body), 'whsec-0123456789', 300, now)).toBe(true);
  });

  it('refuses another secret, a changed body, a stale or missing signature', () => {
    expect(verifyWebhook(header, body, 'another-secret', 300, now)).toBe(false);
    expect(verifyWebhook(header, `${body} `, 'whsec-0123456789', 300, now)).toBe(false);
    expect(verifyWebhook(header, body, 'whsec-0123456789', 300, now + 3_600_000)).toBe(false);
    expect(verifyWebhook(undefined, body, 'whsec-0123456789')).toBe(false);
    expect(verifyWebhook('t=1,v1=zz', body, 'whsec-0123456789')).toBe(false);
  });
});
