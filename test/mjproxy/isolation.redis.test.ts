/**
 * The ingress's edges: authentication, tenant isolation of every read and press, answers for bad input (codes in a
 * 200, never a 5xx), speed prefixes, MODAL expiry and notifyHook posts signed like webhooks.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLegnextSimulator } from '../../providers/legnext/simulator.js';
import type { Simulator } from '../../providers/sim/kit.js';
import { api, startGateway, TENANT_A_KEY, TENANT_B_KEY, type TestGateway } from '../helpers/gateway.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { fetchUntil, mj, secretClient, submitted, succeeds, type Client } from './helpers.js';

const SECRET = 'tenant-a-webhook-secret-0123456789';

describe('the midjourney-proxy ingress at its edges', () => {
  let sim: Simulator;
  let gw: TestGateway;
  let hooks: Receiver;
  let a: Client;
  let b: Client;
  let grid: any;

  beforeAll(async () => {
    sim = await startLegnextSimulator({ apiKey: 'k' });
    sim.state.behaviour.jobDurationMs = 40;
    hooks = await startReceiver();
    gw = await startGateway({
      providers: [{ id: 'legnext', type: 'legnext', apiKey: 'k', baseUrl: `${sim.url}/api` }],
      tenants: [{ id: 'tenant-a', apiKeys: [TENANT_A_KEY], webhookSecret: SECRET }, { id: 'tenant-b', apiKeys: [TENANT_B_KEY] }],
      config: { mjProxy: { modalTtlSeconds: 120 } },
    });
    a = secretClient(gw.url, TENANT_A_KEY);
    b = secretClient(gw.url, TENANT_B_KEY);
    grid = await succeeds(a, '/mj/submit/imagine', { prompt: 'a harbour' });
  });
  afterAll(async () => {
    await gw?.close();
    await hooks?.close();
    await sim?.close();
  });

  it('refuses a missing or wrong secret with 401', async () => {
    expect((await mj({ base: gw.url, headers: {} }, 'GET', `/mj/task/${grid.id}/fetch`)).status).toBe(401);
    const wrong = await mj(secretClient(gw.url, 'not-a-key-of-anyone-0000'), 'POST', '/mj/submit/imagine', { prompt: 'x' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
  });

  it("shows another tenant nothing of a task, its buttons or its MODAL steps", async () => {
    expect((await mj(b, 'GET', `/mj/task/${grid.id}/fetch`)).status).toBe(404);
    expect((await mj(b, 'POST', '/mj/task/list-by-condition', { ids: [grid.id] })).body).toEqual([]);
    const u1 = grid.buttons[0].customId;
    expect((await mj(b, 'POST', '/mj/submit/action', { taskId: grid.id, customId: u1 })).body).toMatchObject({ code: 3, result: null });
    expect((await mj(b, 'POST', '/mj/submit/change', { taskId: grid.id, action: 'UPSCALE', index: 1 })).body.code).toBe(3);
    expect((await mj(b, 'GET', `/mj/task/${grid.id}/image-seed`)).body.code).toBe(3);
    expect((await mj(b, 'POST', `/mj/task/${grid.id}/cancel`)).body.code).toBe(3);

    const up = await succeeds(a, '/mj/submit/action', { taskId: grid.id, customId: u1 });
    const zoom = up.buttons.find((x: any) => x.customId.startsWith('MJ::CustomZoom::'));
    const step = (await mj(a, 'POST', '/mj/submit/action', { taskId: up.id, customId: zoom.customId })).body.result;
    expect((await mj(b, 'GET', `/mj/task/${step}/fetch`)).status).toBe(404);
    expect((await mj(b, 'POST', '/mj/submit/modal', { taskId: step, prompt: 'x --zoom 1.5' })).body.code).toBe(3);
    // The owner completes it: custom zoom reads its scale from the prompt.
    const zoomed = await succeeds(a, '/mj/submit/modal', { taskId: step, prompt: 'wider --zoom 1.8' });
    expect((await api(gw.url, 'GET', `/v1/tasks/${zoomed.id}`, { key: TENANT_A_KEY })).body.input).toMatchObject({ action: 'zoom', scale: 1.8, prompt: 'wider' });
  });

  it('answers bad input with code 4 (or 3) in a 200, saying what to fix', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['/mj/submit/imagine', {}, 4, 'prompt'],
      ['/mj/submit/imagine', { prompt: '   ' }, 4, 'prompt'],
      ['/mj/submit/change', { taskId: grid.id, action: 'UPSCALE' }, 4, 'index'],
      ['/mj/submit/change', { taskId: 'tsk_01M90P0WTT00001HSTFJ6BBTT9KP0SJ3WV', action: 'REROLL' }, 3, 'not found'],
      ['/mj/submit/simple-change', { content: `${grid.id} U9` }, 4, 'content'],
      ['/mj/submit/action', { taskId: grid.id, customId: 'MJ::JOB::upsample::2::0000' }, 4, 'not one of its buttons'],
      ['/mj/submit/blend', { base64Array: ['https://images.example.com/a.png'] }, 4, 'base64Array'],
      ['/mj/submit/describe', {}, 4, 'base64'],
      ['/mj/submit/modal', { taskId: grid.id, prompt: 'x' }, 4, 'not waiting for a modal'],
      ['/mj/submit/edits', { prompt: 'x', image: 'https://images.example.com/a.png' }, 4, 'maskBase64'],
      ['/mj/submit/retexture', { prompt: 'x' }, 4, 'image is required'],
      // This gateway has no media store: base64 images are refused saying what to configure.
      ['/mj/submit/imagine', { prompt: 'x', base64Array: ['iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='] }, 4, 'media'],
    ];
    for (const [path, body, code, says] of cases) {
      const res = await mj(a, 'POST', path, body);
      expect(res.status, path).toBe(200);
      expect(res.body.code, `${path} ${JSON.stringify(res.body)}`).toBe(code);
      expect(res.body.description, path).toContain(says);
    }
    const tooMany = await mj(a, 'POST', '/mj/task/list-by-condition', { ids: Array.from({ length: 101 }, (_, i) => `tsk_${i}`) });
    expect(tooMany.status).toBe(400);
    expect((await mj(a, 'POST', `/mj/task/${grid.id}/cancel`)).body).toMatchObject({ code: 4, description: expect.stringContaining('succeeded') });
  });

  it('takes speed from the route prefix', async () => {
    const fast = await submitted(a, '/mj-fast/mj/submit/imagine', { prompt: 'quick' });
    expect((await api(gw.url, 'GET', `/v1/tasks/${fast}`, { key: TENANT_A_KEY })).body.input.speed).toBe('fast');
    expect((await fetchUntil(a, fast)).mode).toBe('fast');
    const relax = await mj(a, 'POST', '/mj-relax/mj/submit/imagine', { prompt: 'slow' });
    expect(relax.body).toMatchObject({ code: 4, description: expect.stringContaining('relax') });
  });

  it('lets a MODAL step expire on its own', async () => {
    const v = grid.buttons.find((x: any) => x.label === 'V1');
    const res = await mj(a, 'POST', '/mj/submit/action', { taskId: grid.id, customId: v.customId, enableRemix: true });
    expect(res.body).toMatchObject({ code: 21, properties: { remix: true } });
    const ttl = await gw.redis.ttl(gw.keys.mjModal(res.body.result));
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    // A double click: two submits of the same modal at once make one task.
    const body = { taskId: res.body.result, prompt: 'the same harbour in fog' };
    const [one, two] = await Promise.all([mj(a, 'POST', '/mj/submit/modal', body), mj(a, 'POST', '/mj/submit/modal', body)]);
    expect([one.body.code, two.body.code]).toEqual([1, 1]);
    expect(two.body.result).toBe(one.body.result);
    const remix = await fetchUntil(a, one.body.result);
    expect(remix.status).toBe('SUCCESS');
    expect((await api(gw.url, 'GET', `/v1/tasks/${remix.id}`, { key: TENANT_A_KEY })).body.input).toMatchObject({ action: 'remix', index: 1, prompt: 'the same harbour in fog' });
  });

  it('posts the task VO to notifyHook, signed with X-MJG-Signature, ending with SUCCESS', async () => {
    const id = await submitted(a, '/mj/submit/imagine', { prompt: 'hooked', notifyHook: `${hooks.url}/mj-hook`, state: 'h1' });
    await fetchUntil(a, id);
    const end = Date.now() + 10_000;
    while (Date.now() < end && !hooks.received.some((r) => JSON.parse(r.body).status === 'SUCCESS')) await new Promise((r) => setTimeout(r, 25));
    const posts = hooks.received.filter((r) => r.path === '/mj-hook');
    const bodies = posts.map((r) => JSON.parse(r.body));
    expect(bodies.map((x) => x.id).every((x) => x === id)).toBe(true);
    expect(bodies.at(-1)).toMatchObject({ id, status: 'SUCCESS', progress: '100%', state: 'h1', action: 'IMAGINE' });
    expect(bodies.at(-1).buttons).toHaveLength(9);
    for (const post of posts) {
      const [t, v1] = String(post.headers['x-mjg-signature']).split(',').map((part) => part.split('=')[1]);
      expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${post.body}`).digest('hex'));
    }
  });
});
